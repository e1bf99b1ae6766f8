import { defineStore } from 'pinia'
import { ref } from 'vue'

/** Requests that cross views: the shortcut or menu asking for "New Key" or the search box. */
export const useUiStore = defineStore('ui', () => {
  const createRequests = ref(0)
  const searchFocusRequests = ref(0)
  return {
    createRequests,
    searchFocusRequests,
    requestCreate: () => void createRequests.value++,
    requestSearchFocus: () => void searchFocusRequests.value++
  }
})
