// Type-aware linting for every package (typescript-eslint): no explicit `any`, no floating
// promise, exhaustive switches, type-only imports marked as such.
import tseslint from 'typescript-eslint'

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      'docs/api/**',
      '**/node_modules/**',
      'out/**',
      'pggraph-data/**',
      '.agents/**',
      '**/bin/*.js',
      'eslint.config.js',
      '**/tsup.config.ts',
      'tsup.base.ts',
      'vitest.config.ts',
    ],
  },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
)
