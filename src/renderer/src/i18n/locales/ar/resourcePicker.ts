export default {
  resourcePicker: {
    filterModels: 'تصفية النماذج',
    noMatch: 'لا يوجد نموذج يطابق هذه التصفية.',
    noResources: 'لا توجد موارد بعد.',
    tpmLimit: 'حد TPM: {n}',
    payAsYouGo: 'الدفع حسب الاستخدام',
    status: {
      active: 'نشط',
      inactive: 'غير نشط'
    },
    selectResources: 'اختيار الموارد',
    searchResources: 'بحث في الموارد',
    resources: 'الموارد',
    adminPlaceholder: 'مفاتيح المسؤول لا تُعيَّن لها موارد',
    placeholder: 'اختياري: اختر الموارد (أو عيّنها لاحقًا إن شئت)',
    emptyPlaceholder: 'لا توجد موارد بعد: أضفها من شاشة الموارد',
    adminReason: 'مفاتيح المسؤول لا تُعيَّن لها موارد.',
    typeReason: 'النموذج {model} مختار بالفعل تحت {type}؛ ولا يستخدم المفتاح النموذج إلا تحت نوع مورد واحد.'
  }
}
