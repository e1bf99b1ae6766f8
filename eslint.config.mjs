// ESLint flat config: correctness rules for TypeScript and Vue, and the boundaries of the house
// (docs/internals.md#the-house): which folder may import which. Formatting is Prettier's job.
import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import vue from 'eslint-plugin-vue'
import globals from 'globals'

/** Import patterns a folder may not use, with the reason ESLint prints. */
const electron = [
  { group: ['electron', 'electron/*'], message: 'Only src/main/desktop and src/preload may import Electron.' },
  { group: ['electron-store', 'conf'], message: 'Only src/main/desktop may import electron-store.' }
]
const desktop = [{ group: ['**/desktop', '**/desktop/**'], message: 'Node services never import the Electron shell.' }]
const renderer = [{ group: ['**/renderer/**', '@renderer/*'], message: 'Only the renderer imports its own files.' }]

export default tseslint.config(
  {
    ignores: ['node_modules/', 'out/', 'dist/', '.electron-abi/', 'test-results/', 'playwright-report/', 'resources/']
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...vue.configs['flat/recommended'],
  {
    files: ['**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.vue'] } }
  },
  {
    languageOptions: { globals: { ...globals.node }, ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }
      ],
      '@typescript-eslint/no-explicit-any': 'error',
      // Test doubles and stand-ins legitimately use `require` and empty functions.
      '@typescript-eslint/no-require-imports': 'off',
      '@typescript-eslint/no-empty-function': 'off',
      'no-console': 'off',
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      // Prettier formats templates; these rules only fight it.
      'vue/max-attributes-per-line': 'off',
      'vue/singleline-html-element-content-newline': 'off',
      'vue/multiline-html-element-content-newline': 'off',
      'vue/html-self-closing': 'off',
      'vue/html-indent': 'off',
      'vue/html-closing-bracket-newline': 'off',
      // Forms pass one reactive object owned by a composable (useKeyDetailsForm) to field
      // components that fill it in; replacing the prop itself is still an error.
      'vue/no-mutating-props': ['error', { shallowOnly: true }]
    }
  },
  {
    // Tests read JSON answers and build stand-ins loosely; Playwright fixtures take `{}`.
    files: ['test/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off', 'no-empty-pattern': 'off' }
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' }
  },
  {
    files: ['src/renderer/**', 'test/component/**'],
    languageOptions: { globals: { ...globals.browser } }
  },
  // ── Boundaries ──────────────────────────────────────────────────────────────
  {
    // The Node services: run by the CLI, `keyward serve` and the desktop app alike.
    files: [
      'src/main/core/**',
      'src/main/db/**',
      'src/main/server/**',
      'src/main/notify/**',
      'src/main/scan/**',
      'src/main/transport/**',
      'src/cli/**'
    ],
    rules: { 'no-restricted-imports': ['error', { patterns: [...electron, ...desktop, ...renderer] }] }
  },
  {
    // The contract: data and zod only, shared by every process.
    files: ['src/shared/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...electron,
            ...renderer,
            {
              group: ['**/main/**', '**/preload/**', '**/cli/**'],
              message: 'src/shared imports only zod and its own files.'
            },
            { group: ['node:*'], message: 'src/shared runs in the renderer too: no Node built-ins.' }
          ]
        }
      ]
    }
  },
  {
    files: ['src/renderer/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...electron,
            {
              group: ['**/main/**', '**/preload/**', '**/cli/**'],
              message: 'The renderer imports only its own files and src/shared (@shared).'
            },
            { group: ['node:*'], message: 'The renderer runs in a sandboxed page: no Node built-ins.' }
          ]
        }
      ]
    }
  },
  {
    files: ['src/preload/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...renderer,
            { group: ['**/main/**', '**/cli/**'], message: 'The preload imports only electron and src/shared.' }
          ]
        }
      ]
    }
  }
)
