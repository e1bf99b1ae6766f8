import type { Registry } from '../../../src/main/core/registry'

/**
 * A realistic registry for screens that need data, written through the real core (the same
 * rules and audit entries as clicks). Returns one secret so a test can "use" that key.
 */
export function seedRegistry(registry: Registry, actor = 'e2e-user'): { usedSecret: string } {
  const resources = [
    { model: 'gpt-4o', type: 'TPM' as const, tpmLimit: 300_000 },
    { model: 'gpt-4o', type: 'PYG' as const },
    { model: 'gpt-4o-mini', type: 'PYG' as const },
    { model: 'claude-sonnet-4', type: 'TPM' as const, tpmLimit: 200_000 },
    { model: 'claude-sonnet-4', type: 'PYG' as const },
    { model: 'llama-3.1-70b', type: 'TPM' as const, tpmLimit: 100_000, status: 'inactive' as const },
    { model: 'text-embedding-3-large', type: 'PYG' as const }
  ]
  for (const r of resources) registry.addResource(r, actor)
  registry.setPool({ tpmPool: 750_000 }, actor)
  const soon = new Date(Date.now() + 6 * 86_400_000).toISOString().slice(0, 10)
  const keys = [
    {
      name: 'SupportChatbot',
      department: 'Customer Support',
      project: 'Helpdesk Assistant',
      environment: 'Production',
      requestor: 'Maya Patel',
      appId: 'helpdesk-bot',
      resources: ['gpt-4o:TPM', 'text-embedding-3-large:PYG'],
      expiresAt: '2031-06-30'
    },
    {
      name: 'SupportChatbotStaging',
      department: 'Customer Support',
      project: 'Helpdesk Assistant',
      environment: 'Staging',
      requestor: 'Maya Patel',
      appId: 'helpdesk-bot-staging',
      resources: ['gpt-4o-mini:PYG']
    },
    {
      name: 'InvoiceExtractor',
      department: 'Finance',
      project: 'Accounts Payable',
      environment: 'Production',
      requestor: 'Omar Haddad',
      appId: 'ap-extractor',
      resources: ['claude-sonnet-4:TPM'],
      expiresAt: soon
    },
    {
      name: 'ResearchNotebook',
      department: 'Data Science',
      project: 'Forecasting',
      environment: 'Development',
      requestor: 'Lena Fischer',
      resources: ['gpt-4o:PYG', 'llama-3.1-70b:TPM']
    },
    {
      name: 'CodeReviewBot',
      department: 'Engineering',
      project: 'Developer Tools',
      environment: 'Production',
      requestor: 'Sam Okafor',
      appId: 'review-bot',
      resources: ['claude-sonnet-4:TPM', 'gpt-4o-mini:PYG']
    },
    {
      name: 'SearchEmbeddings',
      department: 'Engineering',
      project: 'Site Search',
      environment: 'Production',
      requestor: 'Priya Nair',
      appId: 'search-indexer',
      resources: ['text-embedding-3-large:PYG']
    },
    {
      name: 'MarketingCopyDrafts',
      department: 'Marketing',
      project: 'Campaigns',
      environment: 'Production',
      requestor: 'Jonas Berg',
      resources: []
    },
    {
      name: 'LegalContractReview',
      department: 'Legal',
      project: 'Contract Intelligence',
      environment: 'Staging',
      requestor: 'Aisha Rahman',
      appId: 'clm-review',
      resources: ['claude-sonnet-4:PYG']
    },
    {
      name: 'RegistryAutomation',
      kind: 'admin' as const,
      department: 'Engineering',
      project: 'Platform',
      environment: 'Production',
      requestor: 'Platform Team',
      resources: []
    },
    {
      name: 'HRPolicyAssistant',
      department: 'Human Resources',
      project: 'Employee Handbook',
      environment: 'Production',
      requestor: 'Grace Liu',
      appId: 'hr-assistant',
      resources: ['gpt-4o-mini:PYG']
    }
  ]
  let usedSecret = ''
  for (const k of keys) {
    const { secret } = registry.createKey(k, actor)
    if (k.name === 'SupportChatbot') usedSecret = secret
  }
  registry.disableKey({ key: 'SupportChatbotStaging' }, actor)
  registry.verify({ secret: usedSecret, model: 'gpt-4o', appName: 'helpdesk-bot' })
  return { usedSecret }
}
