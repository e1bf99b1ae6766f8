export default {
  server: {
    portNeeded: 'Give a port from 1024 to 65535.',
    running: 'Running on {url}',
    starting: 'Starting on port {port}…',
    failed: 'Failed: {message}',
    off: 'Off',
    on: 'On',
    switchedOn: 'Local server switched on: {url}',
    switchedOff: 'Local server switched off',
    gatewayOn: 'Gateway on: OpenAI-compatible clients use {url}',
    gatewayOnLater: 'Gateway on: OpenAI-compatible clients use {url} once the server runs',
    gatewayOff: 'Gateway off: the server only verifies keys',
    portSavedRestart: 'Port saved: the local server restarts on {port}',
    portSaved: 'Port saved',
    title: 'Local server',
    help: 'Runs {command} inside the app, so gateways on this computer (nginx, an LLM proxy) can verify keys against this registry and report the tokens each request used.',
    enable: 'Run the verification server on this computer',
    gateway: "Gateway: also forward OpenAI-compatible requests to each resource's upstream",
    port: 'Port',
    save: 'Save',
    verifyKeys: 'Verify keys',
    reportUsage: 'Report usage',
    gatewayUrl: 'Gateway (base URL)',
    loopback:
      'It binds to 127.0.0.1 (loopback) only: programs on this computer can reach it, other machines cannot. Changing the port restarts it. To serve other machines, run {command} behind a TLS proxy.',
    webConsole:
      'The local server switch belongs to the desktop app. This console is served by {serve} itself: gateways verify keys at {verify} and report usage with {usage}.'
  }
}
