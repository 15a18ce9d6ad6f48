import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'test-artifacts/**', '.gatehouse/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['scripts/**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
  {
    // The core must run on any Web-standard runtime: no node: imports, no frameworks.
    files: ['src/config/**', 'src/discovery/**', 'src/tokens/**', 'src/gate/**', 'src/documents/**', 'src/registration/**', 'src/index.ts', 'src/gatehouse.ts'],
    ignores: ['**/*.test.ts', 'src/config/load-file.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['node:*', 'express', 'hono', 'hono/*', '@modelcontextprotocol/*', '../adapters/*', '../cli/*'] }],
    },
  },
);
