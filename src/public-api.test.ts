import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// Every export of a public entry is a semver promise: this file keeps the promise small and written down.
const repo = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(readFileSync(`${repo}package.json`, 'utf8')) as { exports: Record<string, string | { default: string }> };
const apiDoc = readFileSync(`${repo}docs/api.md`, 'utf8');

/** Each subpath of package.json's `exports` with its source file (dist/x.js is built from src/x.ts). */
const entries = Object.entries(pkg.exports).flatMap(([subpath, target]) =>
  typeof target === 'string' ? [] : [{ name: `mcp-gatehouse${subpath.slice(1)}`, source: target.default.replace('./dist/', 'src/').replace(/\.js$/, '.ts') }],
);

const MAX_ROOT_VALUES = 40;

/** The rows docs/api.md lists under the heading of one entry ("## `mcp-gatehouse/errors`"): name → kind. */
function documented(entry: string): Map<string, string> {
  const section = apiDoc.split(/^## /m).find((s) => s.startsWith(`\`${entry}\``)) ?? '';
  return new Map([...section.matchAll(/^\| `([A-Za-z_$][\w$]*)` \| ([a-z]+) /gm)].map((m) => [m[1]!, m[2]!]));
}

describe('the public API', () => {
  it('finds every entry of package.json', () => {
    expect(entries.map((e) => e.name)).toEqual(expect.arrayContaining(['mcp-gatehouse', 'mcp-gatehouse/errors', 'mcp-gatehouse/authority']));
  });

  it(`keeps the root to at most ${MAX_ROOT_VALUES} values`, async () => {
    const root = await import('./index.js');
    expect(Object.keys(root).length).toBeLessThanOrEqual(MAX_ROOT_VALUES);
  });

  it('names every export of every entry (no export *)', () => {
    for (const { source } of entries) {
      expect(readFileSync(`${repo}${source}`, 'utf8'), source).not.toMatch(/^\s*export\s+(type\s+)?\*/m);
    }
  });

  it('lists every value of every entry in docs/api.md, and no value an entry lacks', async () => {
    for (const { name, source } of entries) {
      const values = Object.keys((await import(`${repo}${source}`)) as object).sort();
      const rows = documented(name);
      expect(values.filter((v) => !rows.has(v)), `${name}: exported but not in docs/api.md`).toEqual([]);
      const documentedValues = [...rows].filter(([, kind]) => kind !== 'type').map(([row]) => row);
      expect(documentedValues.filter((d) => !values.includes(d)), `${name}: in docs/api.md but not exported`).toEqual([]);
    }
  });
});
