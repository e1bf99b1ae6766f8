export { startServer, isLoopback, DEFAULT_HOST, DEFAULT_PORT, type ServerOptions, type RunningServer } from './server'
export { VERIFY_STATUS, type VerifyAnswer } from './verify'
export { WEB_CONSOLE_CSP, WEB_CONSOLE_META } from './static'
