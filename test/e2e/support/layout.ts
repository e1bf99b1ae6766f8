import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect, type Locator, type Page } from '@playwright/test'
import type { E2eServer } from '../../e2e-server/server'
import { seedRegistry } from './seed'

/** Where the layout specs leave their screenshots, for a person to look at. */
export const SCREENSHOTS = join(__dirname, '../../../test-results/screenshots')

export const SIZES = [
  { width: 900, height: 600 },
  { width: 1440, height: 900 }
] as const

export async function shot(page: Page, folder: string, name: string): Promise<void> {
  mkdirSync(join(SCREENSHOTS, folder), { recursive: true })
  await page.screenshot({ path: join(SCREENSHOTS, folder, `${name}.png`), animations: 'disabled' })
}

/**
 * Fails unless the element lies fully inside the window and is what the user would hit at its
 * centre (not cut off by its table's scroll box, not under a sticky column or another layer).
 */
export async function expectReachable(target: Locator, what: string): Promise<void> {
  const page = target.page()
  const viewport = page.viewportSize()!
  const box = await target.boundingBox()
  expect(box, `${what}: not rendered`).not.toBeNull()
  const b = box!
  const inside =
    b.x >= 0 && b.y >= 0 && b.x + b.width <= viewport.width + 0.5 && b.y + b.height <= viewport.height + 0.5
  expect(
    inside,
    `${what} lies outside the ${viewport.width}x${viewport.height} window: x ${Math.round(b.x)}..${Math.round(b.x + b.width)}, y ${Math.round(b.y)}..${Math.round(b.y + b.height)}`
  ).toBe(true)
  // Its centre and four points towards its corners (a quarter in, inside a round button too) must
  // show the element itself: a sticky column or the table's edge over part of it means the user
  // sees "Ec" for "Edit".
  const hidden = await target.evaluate((el) => {
    const r = el.getBoundingClientRect()
    const [x1, x2, y1, y2] = [
      r.left + r.width / 4,
      r.right - r.width / 4,
      r.top + r.height / 4,
      r.bottom - r.height / 4
    ]
    const points = [
      [x1, y1],
      [x2, y1],
      [x1, y2],
      [x2, y2],
      [r.left + r.width / 2, r.top + r.height / 2]
    ]
    return points.filter(([x, y]) => {
      // Tests type-check without DOM types: the page's document, as much of it as is used here.
      const doc = (globalThis as unknown as { document: { elementFromPoint(x: number, y: number): never } }).document
      const hit = doc.elementFromPoint(x, y)
      return !hit || !(el === hit || el.contains(hit))
    }).length
  })
  expect(hidden, `${what} is partly covered or cut off (${hidden} of 5 points hit something else)`).toBe(0)
}

/** The rows of a data table that the user can see whole (above the table's bottom edge and its scrollbar). */
export async function visibleRows(table: Locator): Promise<Locator[]> {
  const body = table.locator('.n-data-table-base-table-body').first()
  const area = (await body.boundingBox())!
  const viewport = table.page().viewportSize()!
  const bottom = Math.min(area.y + area.height, viewport.height)
  const rows = await table.locator('tbody tr').all()
  const visible: Locator[] = []
  for (const row of rows) {
    const b = await row.boundingBox()
    if (!b) continue
    if (b.y >= area.y - 1 && b.y + b.height <= bottom - 10) visible.push(row)
  }
  return visible
}

/**
 * Each visible row's actions (the buttons of its last cell) can be reached; at least one row must
 * be visible, else the table has no room at all.
 */
export async function expectRowActionsReachable(table: Locator, what: string): Promise<number> {
  const rows = await visibleRows(table)
  expect(rows.length, `${what}: no row of the table is visible`).toBeGreaterThan(0)
  let buttons = 0
  for (const [i, row] of rows.entries()) {
    const actions = await row.locator('td:last-child button').all()
    expect(actions.length, `${what} row ${i + 1}: no action button`).toBeGreaterThan(0)
    for (const button of actions) {
      const label = (await button.getAttribute('aria-label')) ?? (await button.innerText())
      await expectReachable(button, `${what} row ${i + 1} action "${label}"`)
      buttons++
    }
  }
  return buttons
}

/** These column headers are shown whole inside the table's box without scrolling. */
export async function expectColumnsShown(table: Locator, headers: string[], what: string): Promise<void> {
  const area = (await table.locator('.n-data-table-base-table-body').first().boundingBox())!
  for (const header of headers) {
    const th = table.locator('thead th', { hasText: new RegExp(`^\\s*${header}\\s*$`) }).first()
    const b = (await th.boundingBox())!
    expect(
      b.x >= area.x - 1 && b.x + b.width <= area.x + area.width + 1,
      `${what}: column "${header}" is not in view (x ${Math.round(b.x)}..${Math.round(b.x + b.width)}, table ${Math.round(area.x)}..${Math.round(area.x + area.width)})`
    ).toBe(true)
  }
}

/** A data table's horizontal scrollbar is shown without hovering, when the table scrolls sideways. */
export async function expectScrollbarShown(table: Locator, what: string): Promise<void> {
  const state = await table.evaluate((el) => {
    const container = el.querySelector('.n-data-table-base-table-body .n-scrollbar-container')
    const rail = el.querySelector('.n-data-table-base-table-body .n-scrollbar-rail--horizontal')
    const bar = rail?.querySelector('.n-scrollbar-rail__scrollbar')
    // Tests type-check without DOM types: the page's getComputedStyle, as much of it as is used here.
    const styleOf = (globalThis as unknown as { getComputedStyle(e: unknown): { opacity: string; visibility: string } })
      .getComputedStyle
    return {
      scrolls: !!container && container.scrollWidth > container.clientWidth + 1,
      opacity: bar ? Number(styleOf(bar).opacity) : 0,
      visibility: bar ? styleOf(bar).visibility : 'none'
    }
  })
  if (!state.scrolls) return
  expect(state.opacity, `${what}: the horizontal scrollbar is hidden until hover`).toBeGreaterThan(0.5)
  expect(state.visibility, `${what}: the horizontal scrollbar is hidden`).not.toBe('hidden')
}

/** Registry data for every screen: keys and resources, two alerts in the outbox, a folder with a leaked key. */
export function seedAll(server: E2eServer, scanFolder: string): void {
  const { usedSecret } = seedRegistry(server.registry)
  server.registry.createKey(
    { name: 'AlertedKey', department: 'Security', notifyEmail: 'security.team@example.com' },
    'e2e-user'
  )
  server.registry.createKey(
    { name: 'AlertedKey2', department: 'Finance', notifyEmail: 'omar.haddad@example.com' },
    'e2e-user'
  )
  mkdirSync(join(scanFolder, 'services', 'billing'), { recursive: true })
  writeFileSync(join(scanFolder, 'services', 'billing', 'settings.py'), `import os\n\nAPI_KEY = "${usedSecret}"\n`)
}
