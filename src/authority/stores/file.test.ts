import { mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../errors.js';
import { createFileStore } from './file.js';
import { createStore } from './index.js';
import { sha256Hex } from './state-dir.js';

const POSIX = process.platform !== 'win32';
let root: string;
let count = 0;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'gatehouse-file-store-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

function freshDir(): string {
  count += 1;
  return join(root, `state-${count}`);
}

/** Every path under a directory, relative to it, directories included. */
async function tree(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true });
  return entries.map(String).sort();
}

describe('file store', () => {
  it('survives a restart: a new store over the same directory finds sessions, grants and tokens', async () => {
    const stateDir = freshDir();
    const before = createFileStore({ stateDir });
    await before('Session').upsert('session-cookie-value', { jti: 'session-cookie-value', uid: 'session-uid', accountId: 'alice' }, 3600);
    await before('RefreshToken').upsert('refresh-token-value', { jti: 'refresh-token-value', grantId: 'grant-1', accountId: 'alice' }, 86_400);
    await before('Grant').upsert('grant-1', { jti: 'grant-1', accountId: 'alice', clientId: 'app' }, 86_400);
    await before('DeviceCode').upsert('device-code', { jti: 'device-code', userCode: 'WXYZ-1234', grantId: 'grant-1' }, 600);
    await before.close();

    const after = createFileStore({ stateDir });
    expect(await after('Session').find('session-cookie-value')).toMatchObject({ accountId: 'alice' });
    expect(await after('Session').findByUid('session-uid')).toMatchObject({ jti: 'session-cookie-value' });
    expect(await after('DeviceCode').findByUserCode('WXYZ-1234')).toMatchObject({ jti: 'device-code' });
    expect(await after('RefreshToken').find('refresh-token-value')).toMatchObject({ grantId: 'grant-1' });
    await after('AccessToken').revokeByGrantId('grant-1');
    expect(await after('RefreshToken').find('refresh-token-value')).toBeUndefined();
    expect(await after('DeviceCode').find('device-code')).toBeUndefined();
    expect(await after('Grant').find('grant-1')).toBeDefined();
    await after.close();
  });

  it('never uses an id, uid, user code or grant id as a file name', async () => {
    const stateDir = freshDir();
    const store = createFileStore({ stateDir });
    const secrets = ['Secret-Token-Value-1', 'Secret-Session-2', 'Uid-Value-3', 'USER-CODE', 'Grant-Id-4'];
    await store('AccessToken').upsert(secrets[0]!, { jti: secrets[0], grantId: secrets[4] }, 600);
    await store('Session').upsert(secrets[1]!, { jti: secrets[1], uid: secrets[2] }, 600);
    await store('DeviceCode').upsert('dc', { jti: 'dc', userCode: secrets[3] }, 600);
    const names = await tree(join(stateDir, 'store'));
    for (const secret of secrets) {
      for (const name of names) expect(name.toLowerCase()).not.toContain(secret.toLowerCase());
    }
    expect(names).toContain(join('AccessToken', `${sha256Hex(secrets[0]!)}.json`));
    expect(names).toContain(join('_grants', sha256Hex(secrets[4]!)));
    // Index files point at records by hash only.
    const index = await readFile(join(stateDir, 'store', '_index', 'Session', `uid.${sha256Hex(secrets[2]!)}.json`), 'utf8');
    expect(index).not.toContain(secrets[1]);
    await store.close();
  });

  it.runIf(POSIX)('creates directories 0700 and files 0600, and leaves no temp files', async () => {
    const stateDir = freshDir();
    const store = createFileStore({ stateDir });
    await Promise.all(Array.from({ length: 20 }, (_, i) => store('AccessToken').upsert(`t${i}`, { jti: `t${i}`, grantId: 'g' }, 600)));
    await store('Session').upsert('s', { jti: 's', uid: 'u' }, 600);
    await store('AccessToken').consume('t1');
    const base = join(stateDir, 'store');
    for (const name of await tree(base)) {
      const info = await stat(join(base, name));
      expect(info.mode & 0o777, name).toBe(info.isDirectory() ? 0o700 : 0o600);
      expect(name).not.toMatch(/\.tmp$/);
    }
    await store.close();
  });

  it('treats a damaged record as missing and sweeps it away', async () => {
    const stateDir = freshDir();
    const store = createFileStore({ stateDir });
    await store('AccessToken').upsert('damaged', { jti: 'damaged' }, 600);
    const path = join(stateDir, 'store', 'AccessToken', `${sha256Hex('damaged')}.json`);
    await writeFile(path, '{"payload": {"jti": "dam');
    expect(await store('AccessToken').find('damaged')).toBeUndefined();
    await expect(store('AccessToken').consume('damaged')).resolves.toBeUndefined();
    expect(await store.sweep()).toBe(1);
    await expect(stat(path)).rejects.toThrow(/ENOENT/);
    await store.close();
  });

  it('sweeps temp files left by a crash, once they are old', async () => {
    const stateDir = freshDir();
    const store = createFileStore({ stateDir });
    await store('AccessToken').upsert('a', { jti: 'a' }, 600);
    const dir = join(stateDir, 'store', 'AccessToken');
    const old = join(dir, `${sha256Hex('b')}.json.0123456789ab.tmp`);
    const young = join(dir, `${sha256Hex('c')}.json.ba9876543210.tmp`);
    await writeFile(old, '{}');
    await writeFile(young, '{}');
    const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
    await utimes(old, twoHoursAgo, twoHoursAgo);
    expect(await store.sweep()).toBe(1);
    expect((await readdir(dir)).sort()).toEqual([`${sha256Hex('a')}.json`, `${sha256Hex('c')}.json.ba9876543210.tmp`].sort());
    await store.close();
  });

  it('keeps the directory from growing: a write past the sweep interval clears expired records, markers and indexes', async () => {
    const stateDir = freshDir();
    let clock = 1_700_000_000_000;
    const store = createFileStore({ stateDir, now: () => clock, sweepIntervalMs: 60_000 });
    for (let i = 0; i < 10; i++) {
      await store('AccessToken').upsert(`at${i}`, { jti: `at${i}`, grantId: `g${i}` }, 30);
      await store('Session').upsert(`s${i}`, { jti: `s${i}`, uid: `u${i}` }, 30);
    }
    clock += 61_000;
    await store('Client').upsert('client', { client_id: 'client' });
    // close() waits for the sweep that write started.
    await store.close();
    const left = (await tree(join(stateDir, 'store'))).filter((name) => name.endsWith('.json') || /\.[0-9a-f]{64}$/.test(name));
    expect(left).toEqual([join('Client', `${sha256Hex('client')}.json`)]);
    expect(await readdir(join(stateDir, 'store', '_grants'))).toEqual([]);
  });

  it('removes a revoked grant\'s directory', async () => {
    const stateDir = freshDir();
    const store = createFileStore({ stateDir });
    await store('AccessToken').upsert('x', { jti: 'x', grantId: 'gone' }, 600);
    await store('RefreshToken').upsert('y', { jti: 'y', grantId: 'gone' }, 600);
    await store('RefreshToken').revokeByGrantId('gone');
    expect(await readdir(join(stateDir, 'store', '_grants'))).toEqual([]);
    await store.close();
  });

  it('refuses model names that are not oidc-provider models', () => {
    const store = createFileStore({ stateDir: freshDir() });
    expect(() => store('../escape')).toThrow(TypeError);
    expect(() => store('')).toThrow(TypeError);
  });
});

describe('createStore', () => {
  it('makes the store the config names', async () => {
    const file = createStore({ store: 'file', stateDir: freshDir() });
    const memory = createStore({ store: 'memory', stateDir: freshDir() });
    expect([file.kind, memory.kind]).toEqual(['file', 'memory']);
    await Promise.all([file.close(), memory.close()]);
  });

  it('says clearly that Redis needs its URL', () => {
    expect(() => createStore({ store: 'redis', stateDir: freshDir() })).toThrow(ConfigError);
    expect(() => createStore({ store: 'redis', stateDir: freshDir() })).toThrow(/"redis" needs authority.redisUrl \(GATEHOUSE_REDIS_URL\)/);
  });
});
