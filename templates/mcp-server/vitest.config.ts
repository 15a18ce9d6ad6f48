import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Signing in starts an authorization server and generates its keys: allow it a few seconds.
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
