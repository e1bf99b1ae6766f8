import { Option } from 'commander'
import type { Resource } from '../../shared/types'
import { formatTable, plural, type Column } from '../output'
import { integerOption } from '../parse'
import type { Registrar } from './index'

const RESOURCE_COLUMNS: Column<Resource>[] = [
  { header: 'Model', value: (r) => r.model },
  { header: 'Type', value: (r) => r.type },
  { header: 'Status', value: (r) => r.status },
  { header: 'TPM limit', value: (r) => r.tpmLimit, right: true },
  { header: 'Upstream', value: (r) => upstreamLabel(r) || null, max: 72 },
  { header: 'Keys', value: (r) => r.keyCount, right: true },
  { header: 'Id', value: (r) => r.id }
]

/** The upstream in a table cell: URL, and the model it receives when that differs. */
function upstreamLabel(r: Resource): string {
  if (!r.upstream) return ''
  return r.upstream.model ? `${r.upstream.url} (${r.upstream.model})` : r.upstream.url
}

export function describeResource(r: Resource): string {
  const limit = r.tpmLimit == null ? 'pay-as-you-go' : `${r.tpmLimit} tokens per minute`
  const upstream = r.upstream
    ? `, upstream ${upstreamLabel(r)}${r.upstream.keyEnv ? ` with the key in $${r.upstream.keyEnv}` : ''}`
    : ''
  return `${r.model}:${r.type} (${r.id}): ${limit}, ${r.status}${upstream}, used by ${plural(r.keyCount, 'key')}`
}

interface UpstreamFlags {
  upstream?: string
  upstreamModel?: string
  upstreamKeyEnv?: string
}

/** The gateway's upstream options, alike on add and edit. */
function upstreamInput(opts: UpstreamFlags) {
  return { upstreamUrl: opts.upstream, upstreamModel: opts.upstreamModel, upstreamKeyEnv: opts.upstreamKeyEnv }
}

const UPSTREAM_HELP = {
  url: 'OpenAI-compatible base URL the gateway (keyward serve --gateway) sends this model to, e.g. https://api.openai.com/v1',
  model: 'model name the upstream expects, when it differs (e.g. gpt-4o-2024-08-06)',
  keyEnv: 'NAME of the environment variable of keyward serve that holds the provider key (never the key itself)'
}

/** `resources add|list|edit|remove`: the platform's "My Resources". */
export const registerResources: Registrar = (program, ctx) => {
  const resources = program.command('resources').description('models you can assign to keys, under TPM or PYG')

  resources
    .command('list')
    .description('list every resource with its TPM limit and how many keys use it')
    .action(async () => {
      ctx.print(await ctx.call('resources.list', {}), (doc) =>
        formatTable(doc.items, RESOURCE_COLUMNS, 'No resources yet. Add one with "keyward resources add".')
      )
    })

  resources
    .command('add')
    .description('add a model under TPM (provisioned tokens per minute) or PYG (pay-as-you-go)')
    .requiredOption('--model <model>', 'model name, e.g. gpt-4o')
    .requiredOption('--type <type>', 'TPM or PYG')
    .option(
      '--limit <tpm>',
      'tokens per minute (required for TPM, refused for PYG)',
      integerOption('--limit', { min: 1 })
    )
    .option('--inactive', 'add it as inactive (keys cannot use it until activated)')
    .option('--upstream <url>', UPSTREAM_HELP.url)
    .option('--upstream-model <name>', UPSTREAM_HELP.model)
    .option('--upstream-key-env <var>', UPSTREAM_HELP.keyEnv)
    .action(async (opts: { model: string; type: string; limit?: number; inactive?: boolean } & UpstreamFlags) => {
      const result = await ctx.call('resources.add', {
        model: opts.model,
        type: opts.type.toUpperCase() as 'TPM' | 'PYG',
        tpmLimit: opts.limit,
        status: opts.inactive ? 'inactive' : 'active',
        ...upstreamInput(opts)
      })
      ctx.print(result, (doc) => `Added ${describeResource(doc.resource)}.`)
    })

  resources
    .command('edit')
    .description("change a resource's TPM limit, status or upstream")
    .argument('<RREF>', 'resource id or MODEL:TYPE, e.g. gpt-4o:TPM')
    .option('--limit <tpm>', 'new tokens per minute (TPM resources only)', integerOption('--limit', { min: 1 }))
    .addOption(new Option('--active', 'mark it active').conflicts('inactive'))
    .addOption(
      new Option('--inactive', 'mark it inactive: keys holding it stop verifying for that model').conflicts('active')
    )
    .option('--upstream <url>', `${UPSTREAM_HELP.url}; "" removes the upstream with its model and key variable`)
    .option('--upstream-model <name>', `${UPSTREAM_HELP.model}; "" clears it`)
    .option('--upstream-key-env <var>', `${UPSTREAM_HELP.keyEnv}; "" clears it`)
    .action(async (ref: string, opts: { limit?: number; active?: boolean; inactive?: boolean } & UpstreamFlags) => {
      const status = opts.active ? 'active' : opts.inactive ? 'inactive' : undefined
      const result = await ctx.call('resources.edit', {
        resource: ref,
        tpmLimit: opts.limit,
        status,
        ...upstreamInput(opts)
      })
      ctx.print(result, (doc) => `Saved ${describeResource(doc.resource)}.`)
    })

  resources
    .command('remove')
    .description('remove a resource no key uses (refused while keys hold it)')
    .argument('<RREF>', 'resource id or MODEL:TYPE, e.g. gpt-4o:TPM')
    .action(async (ref: string) => {
      const result = await ctx.call('resources.remove', { resource: ref })
      ctx.print(result, (doc) => `Removed ${doc.removed.model}:${doc.removed.type} (${doc.removed.id}).`)
    })
}
