export default {
  a11y: {
    previousPage: 'Previous page',
    nextPage: 'Next page',
    page: 'Page {n}',
    earlierPages: 'Earlier pages',
    laterPages: 'Later pages',
    selectRow: 'Select {name}',
    selectThisRow: 'Select this row',
    selectPage: 'Select every row on this page',
    hideDetails: 'Hide details',
    showDetails: 'Show details',
    goToPage: 'Go to page',
    rowsPerPage: 'Rows per page'
  }
}
