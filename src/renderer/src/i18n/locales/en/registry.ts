export default {
  registry: {
    title: 'Registry',
    help: 'Where the keys this window shows live: the registry file on this computer, or a team server (a {command} node) that several administrators share.',
    thisComputer: 'This computer',
    teamServer: 'Team server',
    url: 'Server URL',
    adminKey: 'Administrator key',
    adminKeyKept: 'Kept in this computer’s keychain: leave empty to keep using it',
    adminKeyHelp:
      'The key is checked with the server once, then kept by the operating system’s keychain. It never appears in the window again.',
    connect: 'Connect',
    connecting: 'Connecting…',
    useThisComputer: 'Use this computer',
    connected: 'Connected to the team server {host}',
    switchedLocal: 'Now on this computer’s registry',
    onTeam: 'On the team server {url}',
    onLocal: 'On the registry file of this computer',
    indicatorLocal: 'Registry: this computer',
    indicatorTeam: 'Registry: team server {host}',
    bannerTitle: 'The team server cannot be reached',
    bannerText: 'The team server {host} cannot be reached. Retrying…',
    retryNow: 'Retry now',
    lastTry: 'Last try: {time}',
    localOnlyHint:
      'On a team server, Export, Import, the leak scan and provider keys kept in the keychain work on this computer’s registry only.'
  }
}
