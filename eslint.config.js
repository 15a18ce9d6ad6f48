import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** What the Web-standard core may not import: Node, frameworks, the MCP SDK, oidc-provider, the edges and the authority. */
const CORE_FORBIDDEN = [
  'node:*', 'express', 'hono', 'hono/*', '@hono/*', '@modelcontextprotocol/*', 'oidc-provider', 'oidc-provider/*',
  '**/adapters/**', '**/cli/**', '**/server/**', '**/authority/**', '**/proxy/**', '**/doctor/**', '**/log/**', '**/testing/**', '**/http/node/**',
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'test-artifacts/**', '.gatehouse/**', 'reports/**', '.stryker-tmp/**', '.bench-build/**'] },
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
    // src/http/ is core too, except src/http/node/: the helpers of Node's own servers.
    files: ['src/config/**', 'src/discovery/**', 'src/tokens/**', 'src/gate/**', 'src/documents/**', 'src/registration/**', 'src/http/**', 'src/exchange/**', 'src/telemetry/**', 'src/index.ts', 'src/gatehouse.ts', 'src/errors.ts', 'src/error-codes.ts', 'src/types.ts'],
    ignores: ['**/*.test.ts', 'src/config/load-file.ts', 'src/http/node/**'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: CORE_FORBIDDEN,
      }],
    },
  },
  {
    // The toolbox's Web half must not reach into its Node half by a relative path either (a later block replaces the rule, hence the full list).
    files: ['src/http/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [...CORE_FORBIDDEN, './node/*'],
      }],
    },
  },
);
