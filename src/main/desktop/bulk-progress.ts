import { bulkInTurns, type BulkStarter } from '../core/bulk'
import type { BulkProgressEvent } from '../../shared/ipc'
import type { OperationTable } from '../transport/dispatch'
import type { SecretClipboard } from './clipboard-once'

/**
 * The desktop app's keys.bulk: written a chunk per event-loop turn, so the window stays responsive,
 * with the progress sent to the page after each chunk (`send`, webContents.send in main.ts). A
 * delete forgets the show-once secret main still holds for each deleted key, as a single delete
 * does (withSecretOnClipboard), chunk by chunk: a delete stopped half-way forgets those it deleted.
 */
export function desktopBulk(
  registry: BulkStarter,
  clipboard: Pick<SecretClipboard, 'release'>,
  send: (progress: BulkProgressEvent) => void
): OperationTable['keys.bulk'] {
  return (input, ctx) =>
    bulkInTurns(registry, {
      onProgress: ({ done, total, changed }) => {
        if (input.action === 'delete') for (const key of changed) clipboard.release(key.id)
        send({ done, total })
      }
    })(input, ctx)
}
