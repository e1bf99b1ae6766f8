import type { GatewayEndpoint, TokenEstimate } from './tokens'
import type { Reservation, ReserveResult } from './tpm'

export type { Reservation, ReserveResult } from './tpm'

/**
 * What the gateway needs from a TPM window (tpm.ts: TpmWindow) and a token estimate (tokens.ts:
 * estimateTokens), as a port: the gateway reserves a request's tokens before forwarding to a TPM
 * resource, settles to the upstream's `usage` after, and releases when the upstream never answered.
 */
export interface TokenWindow {
  /** In memory on a file (TpmWindow), one atomic statement on PostgreSQL (PgTpmWindow). */
  reserve(resourceId: string, limit: number, tokens: number): ReserveResult | Promise<ReserveResult>
  settle(reservation: Reservation, actualTokens: number): void
  release(reservation: Reservation): void
  close(): void
}

export type EstimateTokens = (endpoint: GatewayEndpoint, body: Record<string, unknown>) => TokenEstimate

export interface GatewayLimits {
  window: TokenWindow
  estimate: EstimateTokens
}

/** The OpenAI rate-limit headers for a TPM resource's window. */
export function rateLimitHeaders(result: ReserveResult): Record<string, string> {
  return {
    'x-ratelimit-limit-tokens': String(result.limit),
    'x-ratelimit-remaining-tokens': String(Math.max(0, result.remaining)),
    'x-ratelimit-reset-tokens': `${Math.max(0, Math.ceil(result.resetSeconds))}s`
  }
}
