export default {
  usage: {
    drawerLabel: 'Usage of {name}',
    drawerLabelNoKey: 'Usage of key',
    heading: 'Usage · {name}',
    lastUsed: 'Last used',
    never: 'Never',
    resources: 'Resources',
    noneAssigned: 'None assigned',
    range: 'Range',
    refresh: 'Refresh',
    refreshUsage: 'Refresh usage',
    exportCsv: 'Export CSV',
    tryAgain: 'Try again',
    requests: 'Requests',
    promptTokens: 'Prompt tokens',
    completionTokens: 'Completion tokens',
    totalTokens: 'Total tokens',
    requestCount: '{n} requests | {n} request | {n} requests',
    chartLabel: 'Tokens per {interval} for {name} over {range}: {prompt} prompt and {completion} completion tokens.',
    thisKey: 'this key',
    interval: {
      minute: 'minute',
      hour: 'hour',
      day: 'day'
    },
    noUsageIn: 'No usage in {range}',
    noUsageYet: 'No usage reported yet',
    emptyHint: 'Gateways report usage with {endpoint} after each request they let through; see {doc} ({section}).',
    emptyHintSection: '"Usage and TPM limits"',
    loading: 'Loading usage…',
    byModel: 'Usage by model over {range}',
    model: 'Model',
    prompt: 'Prompt',
    completion: 'Completion',
    total: 'Total',
    utcDays: 'Days are UTC days.',
    localTimes: 'Times are in your time zone.',
    note: 'Usage is counted per minute as gateways report it; verifications alone count as "last used", not as usage.',
    utc: '{date} (UTC)',
    ranges: {
      hour: 'Last hour',
      day: '24 hours',
      week: '7 days'
    },
    phrases: {
      hour: 'the last hour',
      day: 'the last 24 hours',
      week: 'the last 7 days'
    }
  }
}
