import type { KeyResource, Resource } from '@shared/types'
import { t } from '../i18n'
import { ltrName } from './ltr-name'

export interface ResourceChoice {
  resource: Resource
  /** Disabled choices are shown with the reason, never hidden. */
  disabled: boolean
  reason?: string
}

export interface ModelGroup {
  model: string
  choices: ResourceChoice[]
}

export function resourceLabel(r: Pick<KeyResource, 'model' | 'type'>): string {
  return `${r.model} · ${r.type}`
}

/**
 * The seed's rule, for a picker: once a model is chosen under one type (TPM or PYG), the same
 * model under the other type is disabled, with the reason. Administrator keys take no resources.
 */
export function resourceChoices(
  all: readonly Resource[],
  selectedIds: readonly string[],
  options: { admin?: boolean } = {}
): ResourceChoice[] {
  const selected = new Set(selectedIds)
  const chosenTypeByModel = new Map<string, Resource>()
  for (const r of all) if (selected.has(r.id)) chosenTypeByModel.set(r.model, r)
  return all.map((resource) => {
    if (options.admin) {
      return { resource, disabled: true, reason: t('resourcePicker.adminReason') }
    }
    const chosen = chosenTypeByModel.get(resource.model)
    if (!selected.has(resource.id) && chosen && chosen.type !== resource.type) {
      return {
        resource,
        disabled: true,
        reason: t('resourcePicker.typeReason', { model: ltrName(resource.model), type: chosen.type })
      }
    }
    return { resource, disabled: false }
  })
}

const TYPE_ORDER = { TPM: 0, PYG: 1 } as const

/** Choices grouped by model, models in name order, TPM before PYG. */
export function groupByModel(choices: readonly ResourceChoice[]): ModelGroup[] {
  const groups = new Map<string, ResourceChoice[]>()
  for (const c of choices) {
    const list = groups.get(c.resource.model) ?? []
    list.push(c)
    groups.set(c.resource.model, list)
  }
  return [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([model, list]) => ({
      model,
      choices: list.sort((a, b) => TYPE_ORDER[a.resource.type] - TYPE_ORDER[b.resource.type])
    }))
}
