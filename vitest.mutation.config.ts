import { defineConfig } from 'vitest/config';
import { selectedArea } from './scripts/mutation/areas.mjs';
import base from './vitest.config.js';

/**
 * The tests Stryker runs against mutants: only those that exercise the area
 * being mutated (MUTATION_AREA), so a run takes minutes, not hours. Not for
 * `npm test`, which runs everything.
 */
const { tests } = selectedArea();

export default defineConfig({ ...base, test: { ...base.test, include: tests } });
