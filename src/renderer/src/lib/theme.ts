import type { GlobalThemeOverrides } from 'naive-ui'

const font =
  'Inter, "Segoe UI Variable Text", "Segoe UI", system-ui, -apple-system, BlinkMacSystemFont, Roboto, "Helvetica Neue", Ubuntu, "DejaVu Sans", sans-serif'
const mono = '"JetBrains Mono", "Cascadia Mono", "SF Mono", Menlo, Consolas, "DejaVu Sans Mono", monospace'

const common = {
  fontFamily: font,
  fontFamilyMono: mono,
  borderRadius: '6px',
  borderRadiusSmall: '4px',
  fontSize: '14px',
  fontSizeMedium: '14px'
}

export const lightOverrides: GlobalThemeOverrides = {
  common: {
    ...common,
    primaryColor: '#3557d4',
    primaryColorHover: '#4a6ae0',
    primaryColorPressed: '#2846b8',
    primaryColorSuppl: '#4a6ae0',
    bodyColor: '#f5f6f8',
    cardColor: '#ffffff',
    modalColor: '#ffffff',
    borderColor: '#e2e5ea',
    dividerColor: '#eceef2',
    // Naive's defaults for secondary text and placeholders are 3.9-4.2:1 on the sidebar and
    // cards; these reach 4.5:1 (WCAG AA) on every background the app uses.
    textColor3: '#5d636b',
    placeholderColor: '#6b7079',
    // Naive's status colours as text on their own 12% tints (tags, banners) are 1.9-3.4:1; these
    // darker shades reach 4.5:1 there and on white, and white on them as a fill (Delete) too.
    successColor: '#096638',
    successColorHover: '#0b7a43',
    successColorPressed: '#07552e',
    successColorSuppl: '#0b7a43',
    warningColor: '#835300',
    warningColorHover: '#9a6200',
    warningColorPressed: '#6b4400',
    warningColorSuppl: '#9a6200',
    errorColor: '#b3261e',
    errorColorHover: '#c8332a',
    errorColorPressed: '#951d17',
    errorColorSuppl: '#c8332a',
    infoColor: '#1f63c0',
    infoColorHover: '#2a72d4',
    infoColorPressed: '#1a52a0',
    infoColorSuppl: '#2a72d4'
  },
  Empty: { textColor: '#5d636b' },
  DataTable: {
    thColor: '#f8f9fb',
    thColorSorting: '#f8f9fb',
    tdColorSorting: '#ffffff',
    thTextColor: '#4b5563',
    thFontWeight: '600',
    tdColorHover: '#f6f8ff'
  },
  Card: { borderColor: '#e2e5ea' }
}

const ON_PRIMARY_DARK = '#0d1126'

export const darkOverrides: GlobalThemeOverrides = {
  common: {
    ...common,
    primaryColor: '#7b93ff',
    primaryColorHover: '#94a8ff',
    primaryColorPressed: '#627de8',
    primaryColorSuppl: '#94a8ff',
    bodyColor: '#15171c',
    cardColor: '#1d2027',
    modalColor: '#1f222a',
    popoverColor: '#262a33',
    borderColor: '#30343e',
    dividerColor: '#2a2e37',
    textColor3: '#9ba2ae',
    placeholderColor: '#8f96a2'
  },
  Empty: { textColor: '#9ba2ae' },
  DataTable: {
    thColor: '#1a1d23',
    thColorSorting: '#1a1d23',
    tdColor: '#1d2027',
    tdColorSorting: '#1d2027',
    thTextColor: '#aab1bf',
    thFontWeight: '600',
    tdColorHover: '#232734'
  },
  // Light indigo fills carry dark text in the dark theme: white on them would be too faint to read.
  Button: {
    textColorPrimary: ON_PRIMARY_DARK,
    textColorHoverPrimary: ON_PRIMARY_DARK,
    textColorPressedPrimary: ON_PRIMARY_DARK,
    textColorFocusPrimary: ON_PRIMARY_DARK,
    textColorDisabledPrimary: ON_PRIMARY_DARK
  },
  Radio: { buttonTextColorActive: ON_PRIMARY_DARK },
  Card: { borderColor: '#2c3039' }
}
