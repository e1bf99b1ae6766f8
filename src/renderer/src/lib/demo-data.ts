import type { KeywardClient } from '@shared/contract'
import { KeywardError } from '@shared/errors'

/**
 * A small demo registry built with the ordinary operations, so every rule and audit entry is
 * what a user's own clicks would write. Demo keys' secrets are dropped on the spot: nobody
 * needs them, and they are never shown.
 */
const RESOURCES = [
  { model: 'gpt-4o', type: 'TPM', tpmLimit: 300_000 },
  { model: 'gpt-4o', type: 'PYG' },
  { model: 'gpt-4o-mini', type: 'PYG' },
  { model: 'claude-sonnet-4', type: 'TPM', tpmLimit: 200_000 },
  { model: 'llama-3.1-70b', type: 'TPM', tpmLimit: 100_000 },
  { model: 'text-embedding-3-large', type: 'PYG' }
] as const

const KEYS = [
  { name: 'SupportChatbot', department: 'Customer Support', project: 'Helpdesk Assistant', environment: 'Production', requestor: 'Maya Patel', appId: 'helpdesk-bot', resources: ['gpt-4o:TPM', 'text-embedding-3-large:PYG'], justification: 'Answers tier-1 support tickets.' },
  { name: 'SupportChatbotStaging', department: 'Customer Support', project: 'Helpdesk Assistant', environment: 'Staging', requestor: 'Maya Patel', appId: 'helpdesk-bot-staging', resources: ['gpt-4o-mini:PYG'] },
  { name: 'InvoiceExtractor', department: 'Finance', project: 'Accounts Payable', environment: 'Production', requestor: 'Omar Haddad', appId: 'ap-extractor', resources: ['claude-sonnet-4:TPM'], justification: 'Reads supplier invoices into the ERP.' },
  { name: 'ResearchNotebook', department: 'Data Science', project: 'Forecasting', environment: 'Development', requestor: 'Lena Fischer', resources: ['gpt-4o:PYG', 'llama-3.1-70b:TPM'], notes: 'Shared by the forecasting team.' },
  { name: 'CodeReviewBot', department: 'Engineering', project: 'Developer Tools', environment: 'Production', requestor: 'Sam Okafor', appId: 'review-bot', resources: ['claude-sonnet-4:TPM', 'gpt-4o-mini:PYG'] },
  { name: 'SearchEmbeddings', department: 'Engineering', project: 'Site Search', environment: 'Production', requestor: 'Priya Nair', appId: 'search-indexer', resources: ['text-embedding-3-large:PYG'] }
] as const

export async function loadDemoData(api: KeywardClient): Promise<{ resources: number; keys: number }> {
  const existing = new Set((await api['resources.list']({})).items.map((r) => `${r.model}:${r.type}`))
  let resources = 0
  for (const r of RESOURCES) {
    if (existing.has(`${r.model}:${r.type}`)) continue
    await api['resources.add']({ ...r })
    resources++
  }
  let keys = 0
  for (const k of KEYS) {
    try {
      // The secret is not kept: demo keys exist to be looked at, not used.
      await api['keys.create']({ ...k, resources: [...k.resources] })
      keys++
    } catch (e) {
      if (!(e instanceof KeywardError && e.code === 'CONFLICT')) throw e
    }
  }
  return { resources, keys }
}
