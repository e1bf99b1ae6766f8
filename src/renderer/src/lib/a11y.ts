import type { Directive } from 'vue'

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
export const vSelectName: Directive<HTMLElement, string> = {
  mounted: nameSelect,
  updated: nameSelect
}

function nameSelect(el: HTMLElement, binding: { value: string }): void {
  const box = el.matches('.n-base-selection') ? el : el.querySelector<HTMLElement>('.n-base-selection')
  if (!box) return
  if (box.getAttribute('aria-label') !== binding.value) box.setAttribute('aria-label', binding.value)
  if (box.getAttribute('role') !== 'combobox') box.setAttribute('role', 'combobox')
  box.setAttribute('aria-haspopup', 'listbox')
}
