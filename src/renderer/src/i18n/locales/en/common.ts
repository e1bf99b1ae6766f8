export default {
  common: {
    never: 'Never',
    language: 'Language',
    languageSystem: 'Follow the system',
    languageSaved: 'Language saved'
  }
}
