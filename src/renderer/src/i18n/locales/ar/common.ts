export default {
  common: {
    never: 'أبدًا',
    language: 'اللغة',
    languageSystem: 'اتباع النظام',
    languageSaved: 'تم حفظ اللغة'
  }
}
