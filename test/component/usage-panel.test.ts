import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { KeywardError } from '@shared/errors'
import type { UsageRow } from '@shared/types'
import KeyUsagePanel from '@renderer/components/KeyUsagePanel.vue'
import { rangeWindow, usageRange, usageSeries } from '@renderer/lib/usage-series'
import { apiKey, fakeClient, mountInApp, screenText, settle } from './helpers'

/** A fixed "now", mid-hour and mid-minute, so every range's edges are visible in the queries. */
const NOW = Date.parse('2026-11-27T10:42:30.000Z')

function row(
  bucket: string,
  model: string,
  requests: number,
  promptTokens: number,
  completionTokens: number
): UsageRow {
  return {
    bucket,
    keyId: 'k_test1',
    keyName: 'ChatbotProd',
    model,
    requests,
    promptTokens,
    completionTokens,
    totalTokens: promptTokens + completionTokens
  }
}

const DAY_ROWS = [
  row('2026-11-26T12:00:00.000Z', 'gpt-4o', 1, 1000, 0),
  row('2026-11-27T08:00:00.000Z', 'claude-sonnet-4', 1, 100, 50),
  row('2026-11-27T10:00:00.000Z', 'gpt-4o', 2, 800, 250)
]

function figure(testId: string): string {
  return document.querySelector(`[data-testid="${testId}"]`)?.textContent?.trim() ?? ''
}

function rangeButton(label: string): HTMLInputElement {
  const labelEl = [...document.querySelectorAll('.n-radio-button')].find((el) => el.textContent?.trim() === label)
  if (!labelEl) throw new Error(`no range "${label}"`)
  return labelEl.querySelector('input')!
}

/**
 * happy-dom has no 2D canvas. A context that accepts every drawing call lets chart.js run its own
 * code (create, update, destroy) here; what it draws is checked in Chromium (test/e2e/usage.spec.ts).
 */
function stubCanvasContext(): () => void {
  const proto = HTMLCanvasElement.prototype
  const original = proto.getContext
  proto.getContext = function (this: HTMLCanvasElement) {
    const state = new Map<PropertyKey, unknown>([['canvas', this]])
    return new Proxy(
      {},
      {
        get: (_t, name) =>
          state.has(name) ? state.get(name) : name === 'measureText' ? () => ({ width: 8 }) : () => undefined,
        set: (_t, name, value) => (state.set(name, value), true)
      }
    )
  } as unknown as typeof proto.getContext
  return () => (proto.getContext = original)
}

let restoreCanvas: () => void
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] })
  vi.setSystemTime(NOW)
  restoreCanvas = stubCanvasContext()
})

afterEach(() => {
  vi.useRealTimers()
  restoreCanvas()
  document.body.innerHTML = ''
})

describe('usage series', () => {
  it('aligns each range on UTC boundaries, with the bucket holding "now" last', () => {
    expect(rangeWindow(usageRange('hour'), NOW)).toEqual({
      start: Date.parse('2026-11-27T09:43:00Z'),
      end: Date.parse('2026-11-27T10:43:00Z')
    })
    expect(rangeWindow(usageRange('day'), NOW)).toEqual({
      start: Date.parse('2026-11-26T11:00:00Z'),
      end: Date.parse('2026-11-27T11:00:00Z')
    })
    expect(rangeWindow(usageRange('week'), NOW)).toEqual({
      start: Date.parse('2026-11-21T00:00:00Z'),
      end: Date.parse('2026-11-28T00:00:00Z')
    })
  })

  it('gives every bucket a bar (zero when unused), sums models per bucket, and leaves out rows outside the window', () => {
    const range = usageRange('day')
    const series = usageSeries(
      [
        ...DAY_ROWS,
        row('2026-11-27T10:00:00.000Z', 'claude-sonnet-4', 1, 5, 5),
        row('2026-11-26T10:00:00.000Z', 'gpt-4o', 9, 9, 9)
      ],
      range,
      NOW
    )
    expect(series.buckets).toHaveLength(24)
    expect(series.buckets[0]!.at).toBe(Date.parse('2026-11-26T11:00:00Z'))
    expect(series.buckets[23]).toEqual({
      at: Date.parse('2026-11-27T10:00:00Z'),
      requests: 3,
      promptTokens: 805,
      completionTokens: 255,
      totalTokens: 1060
    })
    expect(series.buckets[1]!.promptTokens).toBe(1000)
    expect(series.buckets.filter((b) => b.totalTokens === 0)).toHaveLength(21)
    expect(series.totals).toEqual({ requests: 5, promptTokens: 1905, completionTokens: 305, totalTokens: 2210 })
    expect(series.byModel.map((m) => [m.model, m.totalTokens])).toEqual([
      ['gpt-4o', 2050],
      ['claude-sonnet-4', 160]
    ])
  })
})

describe('Usage panel', () => {
  const key = apiKey({
    lastUsedAt: '2026-11-27T10:40:00.000Z',
    resources: [{ id: 'r_1', model: 'gpt-4o', type: 'TPM', status: 'active' }]
  })

  it('asks the registry for this key over the last 24 hours and shows the totals, the chart and a per-model breakdown', async () => {
    const api = fakeClient({ 'usage.report': () => ({ items: DAY_ROWS }), 'keys.get': () => ({ key }) })
    mountInApp(KeyUsagePanel, { show: true, apiKey: key })
    await settle()

    expect(api.callsTo('usage.report').map((c) => c.input)).toEqual([
      { key: 'k_test1', start: '2026-11-26T11:00:00.000Z', end: '2026-11-27T11:00:00.000Z', interval: 'per_hour' }
    ])
    expect(api.callsTo('keys.get').map((c) => c.input)).toEqual([{ key: 'k_test1' }])
    expect(figure('usage-requests')).toBe('4')
    expect(figure('usage-prompt')).toBe('1,900')
    expect(figure('usage-completion')).toBe('300')
    expect(figure('usage-total')).toBe('2,200')
    const canvas = document.querySelector('[data-testid="usage-chart"] canvas')
    expect(canvas).not.toBeNull()
    expect(canvas!.getAttribute('aria-label')).toBe(
      'Tokens per hour for ChatbotProd over the last 24 hours: 1,900 prompt and 300 completion tokens.'
    )
    const models = [...document.querySelectorAll('[data-testid="usage-models"] tbody tr')].map((tr) =>
      [...tr.children].map((cell) => cell.textContent!.trim()).join(' ')
    )
    expect(models).toEqual(['gpt-4o 3 1,800 250 2,050', 'claude-sonnet-4 1 100 50 150'])
    expect(screenText()).toContain('2 minutes ago')
    expect(screenText()).toContain('gpt-4o · TPM')
    expect(document.querySelector('[data-testid="usage-empty"]')).toBeNull()
  })

  it('"Last hour" asks per minute and "7 days" per UTC day, each for its own window', async () => {
    const api = fakeClient({
      'usage.report': (input) => ({
        items:
          input.interval === 'per_minute'
            ? [row('2026-11-27T10:41:00.000Z', 'gpt-4o', 1, 40, 2)]
            : input.interval === 'per_day'
              ? [row('2026-11-22T00:00:00.000Z', 'gpt-4o', 7, 7000, 700)]
              : DAY_ROWS
      }),
      'keys.get': () => ({ key })
    })
    mountInApp(KeyUsagePanel, { show: true, apiKey: key })
    await settle()

    rangeButton('Last hour').click()
    await settle()
    expect(api.callsTo('usage.report').at(-1)!.input).toEqual({
      key: 'k_test1',
      start: '2026-11-27T09:43:00.000Z',
      end: '2026-11-27T10:43:00.000Z',
      interval: 'per_minute'
    })
    expect(figure('usage-total')).toBe('42')
    expect(document.querySelector('canvas')!.getAttribute('aria-label')).toContain('Tokens per minute')

    rangeButton('7 days').click()
    await settle()
    expect(api.callsTo('usage.report').at(-1)!.input).toEqual({
      key: 'k_test1',
      start: '2026-11-21T00:00:00.000Z',
      end: '2026-11-28T00:00:00.000Z',
      interval: 'per_day'
    })
    expect(figure('usage-requests')).toBe('7')
    expect(figure('usage-total')).toBe('7,700')
    expect(screenText()).toContain('Days are UTC days.')
  })

  it('Refresh asks again for the same range and redraws with the new figures', async () => {
    let rows = DAY_ROWS.slice(0, 1)
    const api = fakeClient({ 'usage.report': () => ({ items: rows }), 'keys.get': () => ({ key }) })
    mountInApp(KeyUsagePanel, { show: true, apiKey: key })
    await settle()
    expect(figure('usage-total')).toBe('1,000')
    rows = DAY_ROWS
    ;(document.querySelector('[aria-label="Refresh usage"]') as HTMLButtonElement).click()
    await settle()
    expect(api.callsTo('usage.report')).toHaveLength(2)
    expect(api.callsTo('usage.report')[1]!.input).toEqual(api.callsTo('usage.report')[0]!.input)
    expect(figure('usage-total')).toBe('2,200')
    expect(document.querySelectorAll('[data-testid="usage-chart"] canvas')).toHaveLength(1)
  })

  it('a key that never reported usage says how gateways report it', async () => {
    const fresh = apiKey({ lastUsedAt: null })
    fakeClient({ 'usage.report': () => ({ items: [] }), 'keys.get': () => ({ key: fresh }) })
    mountInApp(KeyUsagePanel, { show: true, apiKey: fresh })
    await settle()
    expect(document.querySelector('[data-testid="usage-chart"] canvas')).toBeNull()
    const empty = document.querySelector('[data-testid="usage-empty"]')!.textContent!.replace(/\s+/g, ' ')
    expect(empty).toContain('No usage reported yet')
    expect(empty).toContain('Gateways report usage with POST /v1/usage')
    expect(figure('usage-last-used')).toBe('Never')
    expect(figure('usage-total')).toBe('0')
  })

  it('a key used before, but not in this range, says so for the range', async () => {
    const used = apiKey({ lastUsedAt: '2026-11-01T09:00:00.000Z' })
    fakeClient({ 'usage.report': () => ({ items: [] }), 'keys.get': () => ({ key: used }) })
    mountInApp(KeyUsagePanel, { show: true, apiKey: used })
    await settle()
    expect(document.querySelector('[data-testid="usage-empty"]')!.textContent).toContain(
      'No usage in the last 24 hours'
    )
  })

  it('a failed report is shown in words with a way to try again, which asks again', async () => {
    let fail = true
    const api = fakeClient({
      'usage.report': () => {
        if (fail)
          throw new KeywardError(
            'INTERNAL',
            'Cannot reach the Keyward server. Check that it is still running, then try again.'
          )
        return { items: DAY_ROWS }
      },
      'keys.get': () => ({ key })
    })
    mountInApp(KeyUsagePanel, { show: true, apiKey: key })
    await settle()
    const alert = document.querySelector('[role="alert"]')!
    expect(alert.textContent).toContain('Cannot reach the Keyward server')
    fail = false
    const retry = [...alert.querySelectorAll('button')].find((b) => b.textContent?.trim() === 'Try again')!
    retry.click()
    await settle()
    expect(api.callsTo('usage.report')).toHaveLength(2)
    expect(document.querySelector('[role="alert"]')).toBeNull()
    expect(figure('usage-total')).toBe('2,200')
  })

  it('opening it for another key never shows the previous key’s figures, even while loading', async () => {
    const other = apiKey({ id: 'k_other', name: 'InvoiceReader', lastUsedAt: null })
    let answer: (value: { items: UsageRow[] }) => void = () => {}
    const api = fakeClient({
      'usage.report': (input) =>
        input.key === 'k_test1' ? { items: DAY_ROWS } : new Promise((resolve) => (answer = resolve)),
      'keys.get': (input) => ({ key: input.key === 'k_test1' ? key : other })
    })
    const { props } = mountInApp(KeyUsagePanel, { show: true, apiKey: key })
    await settle()
    expect(figure('usage-total')).toBe('2,200')
    props.show = false
    await settle()
    props.apiKey = other
    props.show = true
    await settle()
    expect(api.callsTo('usage.report').at(-1)!.input).toMatchObject({ key: 'k_other' })
    expect(figure('usage-total')).toBe('0')
    expect(screenText()).toContain('Loading usage…')
    answer({ items: [] })
    await settle()
    expect(screenText()).toContain('No usage reported yet')
  })
})
