import type { Directive } from 'vue'
import { t } from '../i18n'

/**
 * Gives the first <input> inside a control an id, for components that do not forward input
 * props (the date picker), so a <label for> names it for screen readers and tests.
 */
export const vInputId: Directive<HTMLElement, string> = {
  mounted(el, binding) {
    const input = el.querySelector('input')
    if (input) input.id = binding.value
  },
  updated(el, binding) {
    const input = el.querySelector('input')
    if (input && input.id !== binding.value) input.id = binding.value
  }
}

/**
 * Names a Naive UI select for assistive technology: its focusable box becomes a combobox with
 * this name (the box, not the search input, takes focus in multiple selects).
 */
export const vSelectName: Directive<HTMLElement & { _kwSelect?: MutationObserver }, string> = {
  mounted(el, binding) {
    nameSelect(el, binding)
    // Open and closed: the box's "active" class follows the menu; aria-expanded follows it.
    const observer = new MutationObserver(() => nameSelect(el, binding))
    observer.observe(el, { attributes: true, attributeFilter: ['class'], subtree: true })
    el._kwSelect = observer
  },
  updated: nameSelect,
  unmounted(el) {
    el._kwSelect?.disconnect()
  }
}

let selectIds = 0

function nameSelect(el: HTMLElement, binding: { value: string }): void {
  const box = el.matches('.n-base-selection') ? el : el.querySelector<HTMLElement>('.n-base-selection')
  if (box) comboboxBox(box, binding.value)
}

/** A Naive select's box as a named combobox that says whether its list is open. */
function comboboxBox(box: HTMLElement, name: string): void {
  setIfChanged(box, 'aria-label', name)
  setIfChanged(box, 'role', 'combobox')
  setIfChanged(box, 'aria-haspopup', 'listbox')
  // A combobox says whether its list is open and which list it controls (the menu, teleported to
  // <body>, gets that id while it is open).
  if (!box.dataset.kwListbox) box.dataset.kwListbox = `kw-listbox-${++selectIds}`
  setIfChanged(box, 'aria-controls', box.dataset.kwListbox)
  const open = box.classList.contains('n-base-selection--active')
  setIfChanged(box, 'aria-expanded', String(open))
  if (open) {
    const menus = document.querySelectorAll<HTMLElement>('.n-base-select-menu')
    const menu = menus[menus.length - 1]
    if (menu && !menu.id) menu.id = box.dataset.kwListbox
  }
}

/**
 * Makes a Naive UI data table's pager and sort headers usable from the keyboard and named for
 * screen readers: Naive draws page items as <div>s and sortable headers as <th>s that take clicks
 * only. Each page item becomes a button in the tab order (Enter or Space clicks it) with a name
 * ("Page 3", "Next page"), the current page says so; a sortable header takes focus, sorts on Enter
 * or Space, and carries aria-sort. A MutationObserver keeps this true as the table re-renders.
 */
export const vA11yTable: Directive<HTMLElement & { _kwPager?: MutationObserver }> = {
  mounted(el) {
    labelPager(el)
    const observer = new MutationObserver(() => labelPager(el))
    observer.observe(el, { childList: true, subtree: true, attributes: true, attributeFilter: ['class'] })
    el._kwPager = observer
    el.addEventListener('keydown', pagerKeydown)
  },
  unmounted(el) {
    el._kwPager?.disconnect()
    el.removeEventListener('keydown', pagerKeydown)
  }
}

function pagerKeydown(event: KeyboardEvent): void {
  const target = event.target as HTMLElement | null
  const item = target?.matches?.('.n-pagination-item, th.n-data-table-th--sortable, .n-data-table-expand-trigger')
    ? target
    : null
  if (!item || (event.key !== 'Enter' && event.key !== ' ')) return
  event.preventDefault()
  ;(item as HTMLElement).click()
}

function pagerItemName(item: HTMLElement): string {
  if (item.classList.contains('n-pagination-item--button')) {
    // Prev comes first in Naive's markup; the fast-jump items hold "…" until hovered.
    const buttons = item.parentElement?.querySelectorAll('.n-pagination-item--button') ?? []
    return item === buttons[0] ? t('a11y.previousPage') : t('a11y.nextPage')
  }
  const text = item.textContent?.trim() ?? ''
  if (/^\d+$/.test(text)) return t('a11y.page', { n: text })
  // A fast jump ("…"): back when it comes before the current page, else forward.
  const items = [...(item.parentElement?.querySelectorAll('.n-pagination-item') ?? [])]
  const current = items.findIndex((i) => i.classList.contains('n-pagination-item--active'))
  return items.indexOf(item) < current ? t('a11y.earlierPages') : t('a11y.laterPages')
}

function labelPager(root: HTMLElement): void {
  // Row checkboxes: Naive names them by an empty label; each says which row it selects.
  for (const box of root.querySelectorAll<HTMLElement>('.n-data-table-td--selection .n-checkbox[role="checkbox"]')) {
    const row = box.closest('tr')
    const cell = row?.querySelector<HTMLElement>('td:not(.n-data-table-td--selection)')
    const name = (row?.querySelector<HTMLElement>('.cell-name__text') ?? cell)?.textContent?.trim().slice(0, 80)
    if (box.hasAttribute('aria-labelledby')) box.removeAttribute('aria-labelledby')
    setIfChanged(box, 'aria-label', name ? t('a11y.selectRow', { name }) : t('a11y.selectThisRow'))
  }
  for (const box of root.querySelectorAll<HTMLElement>('.n-data-table-th--selection .n-checkbox[role="checkbox"]')) {
    if (box.hasAttribute('aria-labelledby')) box.removeAttribute('aria-labelledby')
    setIfChanged(box, 'aria-label', t('a11y.selectPage'))
  }
  // Row expanders (the Audit log's details): buttons in the tab order that say whether they are open.
  for (const trigger of root.querySelectorAll<HTMLElement>('.n-data-table-expand-trigger')) {
    const open = trigger.classList.contains('n-data-table-expand-trigger--expanded')
    setIfChanged(trigger, 'role', 'button')
    setIfChanged(trigger, 'tabindex', '0')
    setIfChanged(trigger, 'aria-expanded', String(open))
    setIfChanged(trigger, 'aria-label', open ? t('a11y.hideDetails') : t('a11y.showDetails'))
  }
  // Sortable column headers: reachable, and they say how the table is sorted.
  for (const th of root.querySelectorAll<HTMLElement>('th.n-data-table-th--sortable')) {
    setIfChanged(th, 'tabindex', '0')
    const sorter = th.querySelector('.n-data-table-sorter')
    const order = sorter?.classList.contains('n-data-table-sorter--asc')
      ? 'ascending'
      : sorter?.classList.contains('n-data-table-sorter--desc')
        ? 'descending'
        : 'none'
    setIfChanged(th, 'aria-sort', order)
  }
  const jumper = root.querySelector<HTMLInputElement>('.n-pagination-quick-jumper input')
  if (jumper) setIfChanged(jumper, 'aria-label', t('a11y.goToPage'))
  const sizes = root.querySelector<HTMLElement>('.n-pagination .n-select .n-base-selection')
  if (sizes) comboboxBox(sizes, t('a11y.rowsPerPage'))
  for (const item of root.querySelectorAll<HTMLElement>('.n-pagination-item')) {
    const disabled = item.classList.contains('n-pagination-item--disabled')
    const current = item.classList.contains('n-pagination-item--active')
    const name = pagerItemName(item)
    setIfChanged(item, 'role', 'button')
    setIfChanged(item, 'aria-label', name)
    setIfChanged(item, 'tabindex', disabled ? '-1' : '0')
    if (disabled) setIfChanged(item, 'aria-disabled', 'true')
    else if (item.hasAttribute('aria-disabled')) item.removeAttribute('aria-disabled')
    if (current) setIfChanged(item, 'aria-current', 'page')
    else if (item.hasAttribute('aria-current')) item.removeAttribute('aria-current')
  }
}

/** Writing an attribute to the value it has would wake the observer again. */
function setIfChanged(el: HTMLElement, name: string, value: string): void {
  if (el.getAttribute(name) !== value) el.setAttribute(name, value)
}

let dialogIds = 0

/**
 * Fixes two gaps in Naive UI's markup as it is added to the page, before it is painted (one
 * observer on the document: dialogs and menus are teleported to <body>):
 *  - every confirmation useDialog() opens is a <div role="dialog"> with a title but no
 *    aria-labelledby and no aria-modal, so a screen reader announces "dialog" and nothing else:
 *    each is linked to its title and text;
 *  - card (dialog) titles are headings without aria-level, and dropdown menus hold menu items
 *    without role="menu": both are filled in;
 *  - every NIcon is an <i role="img"> without a name. Ours are decorative (the button, link or
 *    text beside them says what they mean), so they are hidden from assistive technology
 *    unless given an aria-label.
 */
export function watchNaiveA11y(root: HTMLElement = document.body): () => void {
  const name = (dialog: HTMLElement) => {
    if (dialog.hasAttribute('aria-labelledby') || dialog.hasAttribute('aria-label')) return
    const title = dialog.querySelector<HTMLElement>('.n-dialog__title')
    if (!title) return
    if (!title.id) title.id = `kw-dialog-title-${++dialogIds}`
    dialog.setAttribute('aria-labelledby', title.id)
    dialog.setAttribute('aria-modal', 'true')
    const content = dialog.querySelector<HTMLElement>('.n-dialog__content')
    if (content) {
      if (!content.id) content.id = `${title.id}-text`
      dialog.setAttribute('aria-describedby', content.id)
    }
  }
  const hide = (icon: HTMLElement) => {
    if (!icon.hasAttribute('aria-label') && icon.getAttribute('aria-hidden') !== 'true')
      icon.setAttribute('aria-hidden', 'true')
  }
  const roles = (el: HTMLElement) => {
    // A card's (and so a dialog's) title is a heading without a level; a dropdown's items are
    // menu items without a menu around them.
    if (el.getAttribute('role') === 'heading' && !el.hasAttribute('aria-level')) el.setAttribute('aria-level', '2')
    if (el.classList.contains('n-dropdown-menu') && !el.hasAttribute('role')) el.setAttribute('role', 'menu')
  }
  const scan = (node: Node) => {
    if (!(node instanceof HTMLElement)) return
    roles(node)
    for (const el of node.querySelectorAll<HTMLElement>(
      '[role="heading"]:not([aria-level]), .n-dropdown-menu:not([role])'
    ))
      roles(el)
    if (node.matches('.n-dialog[role="dialog"]')) name(node)
    for (const dialog of node.querySelectorAll<HTMLElement>('.n-dialog[role="dialog"]')) name(dialog)
    if (node.matches('.n-icon[role="img"]')) hide(node)
    for (const icon of node.querySelectorAll<HTMLElement>('.n-icon[role="img"]')) hide(icon)
  }
  const observer = new MutationObserver((records) => {
    for (const record of records) for (const node of record.addedNodes) scan(node)
  })
  observer.observe(root, { childList: true, subtree: true })
  scan(root)
  return () => observer.disconnect()
}
