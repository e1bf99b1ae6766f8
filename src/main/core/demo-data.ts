import type { ResourceType } from '../../shared/schemas'

/** The tables demo data is drawn from (see demo.ts): models, departments, projects, people, notes. */

/** The models a demo registry offers: some under both types, to show the one-type-per-model rule. */
export const DEMO_RESOURCES: readonly { model: string; type: ResourceType; tpmLimit?: number }[] = [
  { model: 'gpt-4o', type: 'TPM', tpmLimit: 450_000 },
  { model: 'gpt-4o', type: 'PYG' },
  { model: 'gpt-4o-mini', type: 'TPM', tpmLimit: 2_000_000 },
  { model: 'gpt-4o-mini', type: 'PYG' },
  { model: 'o3', type: 'TPM', tpmLimit: 150_000 },
  { model: 'o4-mini', type: 'PYG' },
  { model: 'claude-sonnet-4', type: 'TPM', tpmLimit: 400_000 },
  { model: 'claude-sonnet-4', type: 'PYG' },
  { model: 'claude-haiku-3.5', type: 'PYG' },
  { model: 'llama-3.1-70b', type: 'TPM', tpmLimit: 300_000 },
  { model: 'llama-3.1-8b', type: 'PYG' },
  { model: 'mistral-large', type: 'TPM', tpmLimit: 200_000 },
  { model: 'jais-30b', type: 'TPM', tpmLimit: 100_000 },
  { model: 'text-embedding-3-large', type: 'PYG' },
  { model: 'whisper-large-v3', type: 'PYG' }
]

export const DEPARTMENTS = [
  'Engineering',
  'Data Science',
  'Customer Support',
  'Marketing',
  'Finance',
  'Legal',
  'Human Resources',
  'Sales',
  'Operations',
  'Research',
  'Security',
  'Product'
]
export const DEPARTMENT_CODES = ['Eng', 'Ds', 'Cs', 'Mkt', 'Fin', 'Legal', 'Hr', 'Sales', 'Ops', 'Res', 'Sec', 'Prod']
export const PROJECTS = [
  'Atlas',
  'Beacon',
  'Compass',
  'Delta',
  'Ember',
  'Falcon',
  'Granite',
  'Harbor',
  'Iris',
  'Juniper',
  'Keystone',
  'Lighthouse',
  'Meridian',
  'Nimbus',
  'Orion',
  'Pinnacle',
  'Quartz',
  'Redwood',
  'Summit',
  'Tundra',
  'Unity',
  'Vertex',
  'Willow',
  'Zephyr'
]
export const PURPOSES = [
  'Chat',
  'Search',
  'Summary',
  'Triage',
  'Translate',
  'Classify',
  'Extract',
  'Copilot',
  'Review',
  'Agent',
  'Embed',
  'Voice'
]
export const FIRST_NAMES = [
  'Aisha',
  'Omar',
  'Lina',
  'Youssef',
  'Fatima',
  'Hassan',
  'Maya',
  'Karim',
  'Sara',
  'Ali',
  'Noor',
  'Tariq',
  'Emma',
  'Liam',
  'Olivia',
  'Noah',
  'Sofia',
  'Lucas',
  'Chen',
  'Priya',
  'Ravi',
  'Mei',
  'Kenji',
  'Ana',
  'Diego',
  'Ingrid',
  'Jonas',
  'Zara',
  'Mateo',
  'Leila'
]
export const LAST_NAMES = [
  'Haddad',
  'Nasser',
  'Khalil',
  'Rahman',
  'Saleh',
  'Mansour',
  'Smith',
  'Johnson',
  'Garcia',
  'Muller',
  'Rossi',
  'Dubois',
  'Tanaka',
  'Kim',
  'Patel',
  'Singh',
  'Wang',
  'Silva',
  'Novak',
  'Larsen',
  'Cohen',
  'Okafor',
  'Mensah',
  'Ivanova',
  'Costa'
]
export const ENVIRONMENTS = ['dev', 'staging', 'prod'] as const
export const JUSTIFICATIONS = [
  'Needed for the customer-facing assistant launch.',
  'Batch summarisation of support tickets overnight.',
  'Prototype for the quarterly innovation review.',
  'Replaces the legacy keyword search with semantic search.',
  'Internal tool for drafting contract reviews.',
  'Evaluation of model quality against the current vendor.',
  'Translation of product documentation into Arabic and French.',
  'Classification of incoming invoices for the finance pipeline.'
]
export const NOTES = [
  'Owner on leave until next month; contact the team lead.',
  'Rotate after the pilot ends.',
  'Shared by the nightly batch jobs.',
  'Migrated from the old gateway.',
  'Usage reviewed in the last cost meeting.',
  'Temporary: remove when the vendor contract is signed.',
  'Load-tested at 2x expected traffic.',
  'Requested through ticket OPS-4821.'
]
