// Placeholder: the Electron shell arrives with issue 3.
export {}
