import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fillTemplate, packageNameFor } from './init.js';
import type { Io } from './io.js';
import { runCli } from './run.js';
import { version } from './version.js';

function capture(): Io & { text: () => string } {
  let all = '';
  return { out: (t) => void (all += `${t}\n`), err: (t) => void (all += `${t}\n`), text: () => all };
}

async function init(args: string[]) {
  const io = capture();
  const code = await runCli(['init', ...args], { NO_COLOR: '1' }, io);
  return { code, text: io.text() };
}

/** The fast checks of `gatehouse init`; tests/e2e/init.test.ts installs, builds and tests what it writes. */
describe('gatehouse init', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'gatehouse-init-'));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('writes the project with its dotfiles, its name and the gatehouse spec filled in', async () => {
    const dir = join(root, 'My Server');
    const { code, text } = await init([dir]);
    expect(code).toBe(0);
    expect(text).toContain('npm install');
    const files = (await readdir(dir, { recursive: true })).sort();
    expect(files).toEqual(expect.arrayContaining(['.env.example', '.gitignore', 'README.md', 'package.json', 'src/app.ts', 'src/main.ts', 'src/server.ts', 'test/sign-in.test.ts', 'test/helpers/headless-login.ts']));
    expect(files.some((f) => f.includes('{{') || f.startsWith('_'))).toBe(false);
    const pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8'));
    expect(pkg.name).toBe('my-server');
    expect(pkg.dependencies['mcp-gatehouse']).toBe(`^${version}`);
    // The SDK v2 (2026-07-28 and the 2025 fallback); the v1 SDK is legacy and not needed.
    expect(pkg.dependencies['@modelcontextprotocol/server']).toMatch(/^\^2\./);
    expect(pkg.devDependencies['@modelcontextprotocol/client']).toMatch(/^\^2\./);
    expect(pkg.dependencies['@modelcontextprotocol/sdk']).toBeUndefined();
    for (const file of files.filter((f) => /\.(ts|json|md|example)$/.test(f))) {
      expect(await readFile(join(dir, file), 'utf8'), file).not.toMatch(/\{\{[^}]*\}\}/);
    }
    const envExample = await readFile(join(dir, '.env.example'), 'utf8');
    expect(envExample).toMatch(/Authority mode[\s\S]*GATEHOUSE_STATE_DIR=[\s\S]*Resource-server mode[\s\S]*OAUTH_ISSUER_URL=/);
  });

  it('takes --name and --gatehouse-spec', async () => {
    const dir = join(root, 'named');
    expect((await init([dir, '--name', '@acme/notes-mcp', '--gatehouse-spec', 'file:../mcp-gatehouse.tgz'])).code).toBe(0);
    const pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8'));
    expect(pkg).toMatchObject({ name: '@acme/notes-mcp', dependencies: { 'mcp-gatehouse': 'file:../mcp-gatehouse.tgz' } });
  });

  it('refuses a directory that is not empty, unless --force', async () => {
    const dir = join(root, 'taken');
    await mkdir(dir);
    await writeFile(join(dir, 'notes.txt'), 'mine');
    const refused = await init([dir]);
    expect(refused.code).toBe(1);
    expect(refused.text).toMatch(/is not empty\. Choose a new directory, or add --force/);
    expect(await readdir(dir)).toEqual(['notes.txt']);
    expect((await init([dir, '--force'])).code).toBe(0);
    expect(await readFile(join(dir, 'notes.txt'), 'utf8')).toBe('mine');
    expect(await readdir(dir)).toContain('package.json');
  });

  it('exits 2 on bad usage and prints help with examples', async () => {
    expect((await init([])).code).toBe(2);
    expect((await init([join(root, 'x'), '--name', 'Not Valid'])).code).toBe(2);
    const help = await init(['--help']);
    expect(help.code).toBe(0);
    expect(help.text).toContain('Examples:\n  gatehouse init my-server');
  });

  it('names packages after their directory, and fills only known placeholders', () => {
    expect(packageNameFor('/home/me/My Server!')).toBe('my-server');
    expect(packageNameFor('/')).toBe('mcp-server');
    expect(fillTemplate('{{name}} {{gatehouseSpec}} {{version:zod}}', { name: 'n', gatehouseSpec: '^1' }, { zod: '^4' })).toBe('n ^1 ^4');
    expect(() => fillTemplate('{{version:left-pad}}', { name: 'n', gatehouseSpec: '^1' }, {})).toThrow(/left-pad/);
  });
});
