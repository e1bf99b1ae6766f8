import { onBeforeUnmount, onMounted } from 'vue'

export interface ShortcutHandlers {
  newKey: () => void
  focusSearch: () => void
}

/**
 * Ctrl/Cmd+N: new key. Ctrl/Cmd+F: focus the search box. (Esc closes dialogs: Naive UI's
 * modals do that themselves.) In the desktop app the menu's accelerator sends "new-key" too.
 */
export function useShortcuts(handlers: ShortcutHandlers): void {
  function onKeydown(event: KeyboardEvent): void {
    const mod = event.ctrlKey || event.metaKey
    if (!mod || event.altKey || event.shiftKey) return
    const key = event.key.toLowerCase()
    if (key === 'n') {
      event.preventDefault()
      handlers.newKey()
    } else if (key === 'f') {
      event.preventDefault()
      handlers.focusSearch()
    }
  }
  onMounted(() => window.addEventListener('keydown', onKeydown))
  onBeforeUnmount(() => window.removeEventListener('keydown', onKeydown))
}
