import type { CoreCatalog } from '../translate'

/**
 * Words that fill a sentence's placeholder: the schemas' field labels ("{0} must be text.") and
 * the short words main puts into a sentence.
 */
export default {
  Department: 'القسم',
  Project: 'المشروع',
  Environment: 'البيئة',
  Requestor: 'مقدّم الطلب',
  'Business justification': 'المبرر التجاري',
  Notes: 'الملاحظات',
  'An upstream model': 'نموذج الخادم الأصلي (upstream)',
  'An upstream key variable': 'متغير مفتاح الخادم الأصلي (upstream)'
} satisfies CoreCatalog
