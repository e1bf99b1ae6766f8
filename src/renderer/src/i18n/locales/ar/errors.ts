export default {
  errors: {
    VALIDATION: 'بعض الحقول تحتاج إلى مراجعة',
    NOT_FOUND: 'غير موجود',
    CONFLICT: 'موجود بالفعل أو لا يزال قيد الاستخدام',
    RULE_VIOLATION: 'غير مسموح به وفق قواعد السجل',
    UNAUTHORIZED: 'يلزم تسجيل الدخول',
    FORBIDDEN: 'غير مسموح',
    RATE_LIMITED: 'محاولات كثيرة جدًا',
    BUSY: 'السجل مشغول',
    UNREACHABLE: 'يتعذّر الوصول إلى خادم الفريق',
    INTERNAL: 'خطأ غير متوقع'
  }
}
