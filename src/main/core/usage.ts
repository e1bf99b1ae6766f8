import type { Input, Output } from '../../shared/contract'
import { KeywardError } from '../../shared/errors'
import type { Registry } from './registry'

// Usage recording, TPM rate limits and the usage report arrive with issue 4.
export function usageReport(_registry: Registry, _input: Input<'usage.report'>): Output<'usage.report'> {
  throw new KeywardError('INTERNAL', 'Usage reports are not available in this version yet.')
}
