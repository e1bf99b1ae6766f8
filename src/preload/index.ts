// Placeholder: the typed client is built from the contract (issue 3).
export {}
