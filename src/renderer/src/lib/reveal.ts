import type { ApiKey } from '@shared/types'

/** What the show-once dialog displays. Lives in a component ref only, never in a store. */
export interface Reveal {
  key: ApiKey
  secret: string
  origin: 'create' | 'rotate'
  /** Seconds until the host clears the clipboard (0 = never), or null when nothing was copied yet. */
  clearsInSeconds: number | null
  /** Rotation: when the previous secret stops verifying (ISO), or null for "now". */
  previousRetiresAt?: string | null
}
