export default {
  settings: {
    title: 'Settings',
    description: 'Preferences for this app. They never hold keys or secrets.',
    tabOnlyTitle: 'Settings last for this tab',
    tabOnly: 'This server does not keep app preferences, so changes here apply until you close the tab.',
    appearance: 'Appearance',
    theme: 'Theme',
    themeSaved: 'Theme saved',
    themeSystem: 'Follow the system',
    themeLight: 'Light',
    themeDark: 'Dark',
    clipboard: 'Clipboard',
    clipboardHelp:
      'A new key is copied to the clipboard once, when it is created or rotated. Keyward clears the clipboard after this many seconds if it still holds that key. 0 means never.',
    clearAfter: 'Clear after',
    seconds: 'seconds',
    secondsNeeded: 'Give a number of seconds; 0 means never.',
    clipboardSaved: 'Clipboard setting saved',
    save: 'Save'
  }
}
