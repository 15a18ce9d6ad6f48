// The areas `npm run mutate` covers, read by stryker.config.mjs and
// vitest.mutation.config.ts alike so the code mutated and the tests run for it
// are chosen in one place (scripts/mutation/areas.json).
import { readFileSync } from 'node:fs';
import { URL } from 'node:url';

const areas = JSON.parse(readFileSync(new URL('./areas.json', import.meta.url), 'utf8'));

/**
 * The area named by MUTATION_AREA (one of areas.json's keys), or every area
 * merged when it is unset or `all`.
 *
 * @example
 * MUTATION_AREA=gate npx stryker run   // src/gate only, with the gate's tests
 */
export function selectedArea(name = process.env.MUTATION_AREA ?? 'all') {
  if (name === 'all') {
    const all = Object.values(areas);
    return { name, mutate: [...new Set(all.flatMap((a) => a.mutate))], tests: [...new Set(all.flatMap((a) => a.tests))] };
  }
  const area = areas[name];
  if (!area) throw new Error(`MUTATION_AREA=${name} is not an area; use one of: all, ${Object.keys(areas).join(', ')}`);
  return { name, ...area };
}
