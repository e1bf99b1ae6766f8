export default {
  signIn: {
    keyNeeded: 'Paste an administrator key (it starts with kwa_).',
    title: 'Keyward web console',
    lead: "Sign in with an administrator key to manage this registry's keys and resources.",
    signedOut: 'Signed out',
    adminKey: 'Administrator key',
    submit: 'Sign in',
    note: "The key stays in this tab's memory only: closing or reloading the tab signs you out."
  }
}
