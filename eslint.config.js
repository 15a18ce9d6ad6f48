import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'test-artifacts/**', '.gatehouse/**', 'reports/**', '.stryker-tmp/**'] },
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
    // The core must run on any Web-standard runtime: no node: imports, no frameworks,
    // and no edge (adapters, proxy, cli, server, doctor, log) or the authority (oidc-provider, Node).
    files: ['src/config/**', 'src/discovery/**', 'src/tokens/**', 'src/gate/**', 'src/documents/**', 'src/registration/**', 'src/exchange/**', 'src/index.ts', 'src/gatehouse.ts', 'src/errors.ts', 'src/types.ts'],
    ignores: ['**/*.test.ts', 'src/config/load-file.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          'node:*', 'express', 'hono', 'hono/*', '@hono/*', '@modelcontextprotocol/*', 'oidc-provider', 'oidc-provider/*',
          '**/adapters/**', '**/cli/**', '**/server/**', '**/authority/**', '**/proxy/**', '**/doctor/**', '**/log/**', '**/testing/**',
        ],
      }],
    },
  },
);
