import type { TpmPool } from '../../shared/types'
import { KeywardError } from '../../shared/errors'
import { formatFields } from '../output'
import { integerOption } from '../parse'
import type { Registrar } from './index'

function describePool(pool: TpmPool): string {
  if (pool.tpmPool == null) {
    return formatFields([
      ['TPM pool', 'none (TPM limits are not capped)'],
      ['Assigned', `${pool.assigned} tokens per minute`]
    ])
  }
  return formatFields([
    ['TPM pool', `${pool.tpmPool} tokens per minute`],
    ['Assigned', `${pool.assigned}`],
    ['Remaining', `${pool.remaining}`]
  ])
}

const parseTpm = integerOption('--tpm', { min: 1 })

/** "none" removes the pool; anything else must be a positive whole number. (Not null: commander turns that into "".) */
function tpmOrNone(value: string): number | 'none' {
  return value.trim().toLowerCase() === 'none' ? 'none' : parseTpm(value)
}

/** `quota set|show`: the TPM pool that caps the sum of TPM resources' limits. */
export const registerQuota: Registrar = (program, ctx) => {
  const quota = program.command('quota').description('the TPM pool shared by all TPM resources')

  quota
    .command('show')
    .description('show the TPM pool, how much TPM resources take from it and what remains')
    .action(async () => {
      ctx.print(await ctx.call('pool.get', {}), describePool)
    })

  quota
    .command('set')
    .description('set the TPM pool (refused if TPM resources already exceed it)')
    .option('--tpm <n>', 'tokens per minute, or "none" to remove the pool', tpmOrNone)
    .action(async (opts: { tpm?: number | 'none' }) => {
      if (opts.tpm === undefined) {
        throw KeywardError.validation({
          '--tpm': 'Give the pool size, e.g. --tpm 500000, or --tpm none to remove the pool.'
        })
      }
      ctx.print(await ctx.call('pool.set', { tpmPool: opts.tpm === 'none' ? null : opts.tpm }), describePool)
    })
}
