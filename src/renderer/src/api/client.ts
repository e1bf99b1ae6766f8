import { OPERATION_NAMES, type KeywardClient, type OperationName, type Transport } from '@shared/contract'
import { isErrorPayload, KeywardError } from '@shared/errors'
import { localizeError } from '../i18n/core-messages'

const UNREADABLE = 'Keyward answered with something the window could not read. Try again; report it if it persists.'

/**
 * The renderer's one client of the contract, over any transport (the desktop bridge or the web
 * console's HTTP): one function per operation, resolving with the result, or rejecting with a
 * KeywardError rebuilt from the reply's error payload. This is the only place the renderer turns
 * a payload into an error.
 */
export function createClient(transport: Transport): KeywardClient {
  const client = {} as Record<OperationName, (input?: unknown) => Promise<unknown>>
  for (const name of OPERATION_NAMES) {
    client[name] = async (input?: unknown) => {
      const reply = await transport(name, input ?? {})
      if (reply?.ok === true) return reply.result
      // Main writes its messages in English (shared with the CLI): shown in the app's language.
      throw KeywardError.fromPayload(
        localizeError(
          reply?.ok === false && isErrorPayload(reply.error) ? reply.error : { code: 'INTERNAL', message: UNREADABLE }
        )
      )
    }
  }
  return client as unknown as KeywardClient
}
