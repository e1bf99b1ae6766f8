export default {
  usage: {
    drawerLabel: 'استخدام {name}',
    drawerLabelNoKey: 'استخدام المفتاح',
    heading: 'الاستخدام · {name}',
    lastUsed: 'آخر استخدام',
    never: 'أبدًا',
    resources: 'الموارد',
    noneAssigned: 'لم يُعيَّن أي مورد',
    range: 'المدى',
    refresh: 'تحديث',
    refreshUsage: 'تحديث الاستخدام',
    exportCsv: 'تصدير CSV',
    tryAgain: 'إعادة المحاولة',
    requests: 'الطلبات',
    promptTokens: 'رموز المُدخَل',
    completionTokens: 'رموز الإكمال',
    totalTokens: 'إجمالي الرموز',
    requestCount: 'لا طلبات | طلب واحد | طلبان | {n} طلبات | {n} طلبًا | {n} طلب',
    chartLabel:
      'الرموز لكل {interval} للمفتاح {name} خلال {range}: {prompt} من رموز المُدخَل و{completion} من رموز الإكمال.',
    thisKey: 'هذا المفتاح',
    interval: {
      minute: 'دقيقة',
      hour: 'ساعة',
      day: 'يوم'
    },
    noUsageIn: 'لا استخدام خلال {range}',
    noUsageYet: 'لم يُبلَّغ عن أي استخدام بعد',
    emptyHint: 'تبلّغ البوابات عن الاستخدام عبر {endpoint} بعد كل طلب تسمح بمروره؛ راجع {doc} ({section}).',
    emptyHintSection: '«الاستخدام وحدود TPM»',
    loading: 'جارٍ تحميل الاستخدام…',
    byModel: 'الاستخدام حسب النموذج خلال {range}',
    model: 'النموذج',
    prompt: 'المُدخَل',
    completion: 'الإكمال',
    total: 'الإجمالي',
    utcDays: 'الأيام بتوقيت UTC.',
    localTimes: 'الأوقات بمنطقتك الزمنية.',
    note: 'يُحتسب الاستخدام لكل دقيقة كما تبلّغ عنه البوابات؛ عمليات التحقق وحدها تُحتسب «آخر استخدام» لا استخدامًا.',
    utc: '{date} (بتوقيت UTC)',
    ranges: {
      hour: 'آخر ساعة',
      day: '24 ساعة',
      week: '7 أيام'
    },
    phrases: {
      hour: 'الساعة الأخيرة',
      day: 'آخر 24 ساعة',
      week: 'آخر 7 أيام'
    }
  }
}
