import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'tests/**/*.test.ts', 'runtime-tests/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // oidc-provider warns about Node 20 on import; the warning is harmless.
    pool: 'forks',
  },
});
