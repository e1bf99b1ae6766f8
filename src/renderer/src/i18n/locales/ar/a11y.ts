export default {
  a11y: {
    previousPage: 'الصفحة السابقة',
    nextPage: 'الصفحة التالية',
    page: 'الصفحة {n}',
    earlierPages: 'صفحات سابقة',
    laterPages: 'صفحات لاحقة',
    selectRow: 'تحديد {name}',
    selectThisRow: 'تحديد هذا الصف',
    selectPage: 'تحديد كل صفوف هذه الصفحة',
    hideDetails: 'إخفاء التفاصيل',
    showDetails: 'عرض التفاصيل',
    goToPage: 'الانتقال إلى الصفحة',
    rowsPerPage: 'الصفوف في كل صفحة'
  }
}
