export default {
  smtp: {
    helpStarttls:
      'Connects in plain text, then upgrades to TLS (usually port 587). Nothing is sent if the server cannot upgrade.',
    helpTls: 'TLS from the first byte (usually port 465).',
    helpNone: 'No encryption: only for a relay on this computer or a network you trust (usually port 25).',
    portNeeded: 'Give the SMTP port, e.g. {port}.',
    saved: 'Email settings saved',
    savedPasswordSaved: 'Email settings saved; password saved',
    savedPasswordRemoved: 'Email settings saved; password removed',
    title: 'Email',
    intro:
      "When a key is created with {notify}, Keyward sends that address an alert through this SMTP server: the key's name, hint and details, never the key itself. Alerts wait in the {outbox} while the server cannot be reached.",
    notifyViaEmail: 'Notify via Email',
    outbox: 'Outbox',
    loading: 'Loading the email settings…',
    obfuscatedTitle: 'The password is only obfuscated on this computer',
    obfuscated:
      "No keyring (such as GNOME Keyring or KWallet) is available to Keyward, so a saved password is kept with Linux's {fallback} fallback: scrambled, not encrypted. Anyone who can read your files could recover it. Unlock or install a keyring and restart Keyward, or use a password you can revoke (an app password).",
    noStorageTitle: 'A password cannot be stored here',
    noStorage:
      'This computer offers no secure storage for secrets, so Keyward will not save an SMTP password. Use a relay that needs no login, or send from the command line with the password in {variable} ({command}).',
    serverNoPasswordTitle: 'The server holds no SMTP password',
    serverNoPassword:
      'Passwords are not saved through the web console. If the relay needs a login, start {serve} with {variable} set.',
    fromServerTitle: 'The password comes from the server',
    fromServer: '{serve} reads it from {variable}; it is not stored and cannot be changed here.',
    host: 'SMTP host',
    hostPlaceholder: 'e.g. {example}',
    port: 'Port',
    security: 'Security',
    securityNone: 'None',
    from: 'From address',
    fromPlaceholder: 'e.g. {example}',
    user: 'User name',
    userPlaceholder: 'Optional: only if the server needs a login',
    newPassword: 'New password',
    password: 'Password',
    notStoredHere: 'Not stored here',
    keepSavedPassword: 'Leave empty to keep the saved password',
    passwordOptional: 'Optional: only with a user name',
    removedOnSave: 'Removed when you save',
    keepIt: 'Keep it',
    passwordSaved: 'Password saved',
    remove: 'Remove',
    noPassword: 'No password saved',
    save: 'Save',
    discard: 'Discard changes',
    testTitle: 'Send a test email',
    testHelp:
      'Goes straight to the server with the saved settings (not through the outbox) and shows what the server answered.',
    sendTo: 'Send to',
    saveFirst: 'Save first: the test uses the saved settings.',
    sendTest: 'Send test email',
    testSent: 'Test email sent',
    testNotSent: 'Test email not sent'
  }
}
