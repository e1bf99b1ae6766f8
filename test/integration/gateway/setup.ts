import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import OpenAI from 'openai'
import type { ServerOptions } from '../../../src/main/server/server'
import { startFakeUpstream, type FakeUpstream, type FakeUpstreamOptions } from '../../helpers/fake-upstream'
import { serverOnTempRegistry, type ServerHarness } from '../server/harness'

export const ACTOR = 'test'
/** The provider credential the gateway sends upstream, from the environment variable the resource names. */
export const PROVIDER_KEY = 'sk-provider-9f2c41d7'
export const PROVIDER_KEY_ENV = 'KEYWARD_TEST_PROVIDER_KEY'

export interface GatewayHarness {
  h: ServerHarness
  upstream: FakeUpstream
  /** The gateway's base URL, as an SDK's baseURL: http://127.0.0.1:PORT/v1 */
  base: string
  client(secret: string, headers?: Record<string, string>): OpenAI
  /** Sets a resource's upstream columns directly (the `resources --upstream` options land separately). */
  setUpstream(model: string, url: string | null, upstreamModel?: string | null, keyEnv?: string | null): void
  stop(): Promise<void>
}

export async function gatewayHarness(
  options: Partial<ServerOptions> = {},
  upstreamOptions: FakeUpstreamOptions = {}
): Promise<GatewayHarness> {
  process.env[PROVIDER_KEY_ENV] = PROVIDER_KEY
  const upstream = await startFakeUpstream(upstreamOptions)
  const h = await serverOnTempRegistry({ gateway: true, upstreamTimeoutMs: 2_000, ...options })
  const base = `${h.url}/v1`
  return {
    h,
    upstream,
    base,
    client: (secret, headers = {}) =>
      new OpenAI({ apiKey: secret, baseURL: base, maxRetries: 0, timeout: 20_000, defaultHeaders: headers }),
    setUpstream(model, url, upstreamModel = null, keyEnv = null) {
      h.registry.db
        .prepare('UPDATE resources SET upstream_url = ?, upstream_model = ?, upstream_key_env = ? WHERE model = ?')
        .run(url, upstreamModel, keyEnv, model)
    },
    async stop() {
      await h.stop()
      await upstream.close()
    }
  }
}

/** A loopback URL where nothing listens (a port just freed). */
export async function deadUrl(): Promise<string> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return `http://127.0.0.1:${port}/v1`
}
