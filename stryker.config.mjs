// Mutation testing of the security code: `npm run mutate` (every area) or
// `MUTATION_AREA=gate npm run mutate` (one). See docs/mutation-testing.md.
import { selectedArea } from './scripts/mutation/areas.mjs';

const area = selectedArea();

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.ts' },
  // Each mutant runs only the tests that reached it in the dry run.
  coverageAnalysis: 'perTest',
  mutate: [...area.mutate, '!**/*.test.ts'],
  checkers: [],
  // The machine is shared: two workers, and generous timeouts (a loaded
  // machine makes real-HTTP tests slow; a timeout counts as killed anyway).
  concurrency: 2,
  timeoutMS: 20_000,
  timeoutFactor: 2,
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: `reports/mutation/${area.name}.html` },
  jsonReporter: { fileName: `reports/mutation/${area.name}.json` },
  incrementalFile: `reports/mutation/${area.name}.incremental.json`,
  clearTextReporter: { allowColor: false, logTests: false, reportMutants: false },
  thresholds: { high: 90, low: 75, break: null },
};
