/**
 * The README is what npm shows on the package's page, and with no repository
 * URL in package.json its relative links resolve against the tarball only: each
 * one must name a file `npm pack` ships.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { npm, root } from '../helpers/pack-package.js';

/** Every Markdown link target in `markdown` that is neither absolute nor an in-page anchor, without its #fragment. */
function relativeLinks(markdown: string): string[] {
  const targets = [...markdown.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!);
  return [...new Set(targets.filter((t) => !/^[a-z][a-z0-9+.-]*:/i.test(t) && !t.startsWith('#')).map((t) => t.split('#')[0]!))];
}

describe('README links on the npm page', () => {
  it('every relative link names a file in the packed tarball', async () => {
    const links = relativeLinks(await readFile(join(root, 'README.md'), 'utf8'));
    expect(links.length).toBeGreaterThan(5); // the parser found the README's links at all
    const { stdout } = await npm(['pack', '--dry-run', '--json', '--ignore-scripts'], root);
    const [pack] = JSON.parse(stdout) as [{ files: { path: string }[] }];
    const shipped = new Set(pack.files.map((f) => f.path));
    expect(links.filter((link) => !shipped.has(link))).toEqual([]);
  }, 60_000);
});
