import { defineStore } from 'pinia'
import { ref } from 'vue'

/** Requests that cross views: the shortcut or menu asking for "New Key", the search box, or Import Keys. */
export const useUiStore = defineStore('ui', () => {
  const createRequests = ref(0)
  const searchFocusRequests = ref(0)
  const importRequests = ref(0)
  return {
    createRequests,
    searchFocusRequests,
    importRequests,
    requestCreate: () => void createRequests.value++,
    requestSearchFocus: () => void searchFocusRequests.value++,
    requestImport: () => void importRequests.value++
  }
})
