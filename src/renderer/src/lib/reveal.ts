import type { ClipboardOutcome } from '@shared/clipboard'
import type { ApiKey } from '@shared/types'

/** What the show-once dialog displays. Lives in a component ref only, never in a store. */
export interface Reveal {
  key: ApiKey
  secret: string
  origin: 'create' | 'rotate'
  /** What the desktop host did with the secret and the clipboard; null when it did not try (the web console). */
  clipboard: ClipboardOutcome | null
  /** Rotation: when the previous secret stops verifying (ISO), or null for "now". */
  previousRetiresAt?: string | null
}
