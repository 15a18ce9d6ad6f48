import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../errors.js';
import { loadOrCreateSecret } from './secret.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'gatehouse-secret-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('loadOrCreateSecret', () => {
  it('makes a 32-byte base64url secret once and returns it on every later call', async () => {
    const stateDir = join(root, 'a');
    const first = await loadOrCreateSecret(stateDir, 'cookies');
    expect(first).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(first, 'base64url')).toHaveLength(32);
    expect(await loadOrCreateSecret(stateDir, 'cookies')).toBe(first);
    expect(await loadOrCreateSecret(stateDir, 'other')).not.toBe(first);
    expect((await readFile(join(stateDir, 'cookies.secret'), 'utf8')).trim()).toBe(first);
    if (process.platform !== 'win32') {
      expect((await stat(join(stateDir, 'cookies.secret'))).mode & 0o777).toBe(0o600);
      expect((await stat(stateDir)).mode & 0o777).toBe(0o700);
    }
  });

  it('agrees on one secret when two callers race', async () => {
    const stateDir = join(root, 'race');
    const [a, b, c] = await Promise.all([1, 2, 3].map(() => loadOrCreateSecret(stateDir, 'cookies')));
    expect(new Set([a, b, c]).size).toBe(1);
  });

  it('refuses a file that is not a secret instead of replacing it', async () => {
    const stateDir = join(root, 'bad');
    await mkdir(stateDir, { recursive: true });
    await writeFile(join(stateDir, 'cookies.secret'), 'short\n');
    await expect(loadOrCreateSecret(stateDir, 'cookies')).rejects.toThrow(/cookies\.secret is not a Gatehouse secret/);
    expect(await readFile(join(stateDir, 'cookies.secret'), 'utf8')).toBe('short\n');
  });

  it.runIf(process.platform !== 'win32')('warns when the file is readable by others', async () => {
    const stateDir = join(root, 'wide');
    await loadOrCreateSecret(stateDir, 'cookies');
    await chmod(join(stateDir, 'cookies.secret'), 0o640);
    const messages: string[] = [];
    await loadOrCreateSecret(stateDir, 'cookies', { warn: (m) => void messages.push(m) });
    expect(messages[0]).toMatch(/cookies\.secret has mode 0640/);
  });

  it('keeps a memory-only secret off disk and checks names', async () => {
    const stateDir = join(root, 'memory');
    expect(await loadOrCreateSecret(stateDir, 'cookies', { persist: false })).toMatch(/^[A-Za-z0-9_-]{43}$/);
    await expect(stat(stateDir)).rejects.toThrow(/ENOENT/);
    await expect(loadOrCreateSecret(stateDir, '../escape')).rejects.toThrow(ConfigError);
  });
});
