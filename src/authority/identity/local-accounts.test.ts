import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../config/resolve.js';
import type { GatehouseConfigInput } from '../../config/schema.js';
import { ConfigError } from '../../errors.js';
import { createLocalAccounts } from './local-accounts.js';
import { checkPassword, hashPassword, passwordProblem } from './password-hash.js';
import { checkUsername } from './username.js';
import { readUsersFile, usersFilePath, writeUsersFile } from './users-file.js';

const ctx = {} as KoaContextWithOIDC;
const FAST = 4;

function configWith(authority: GatehouseConfigInput['authority']) {
  return resolveConfig({ publicUrl: 'http://localhost:3000', authority });
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gatehouse-accounts-'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

describe('usernames', () => {
  it('trims and keeps printable names of any script', () => {
    expect(checkUsername('  alice ')).toEqual({ ok: true, username: 'alice' });
    expect(checkUsername('zoë@example.com')).toEqual({ ok: true, username: 'zoë@example.com' });
    expect(checkUsername('田中')).toEqual({ ok: true, username: '田中' });
  });

  it('refuses empty, long, spaced, control and invisible characters', () => {
    for (const bad of ['', '   ', 'a'.repeat(65), 'al ice', 'al\u00A0ice', 'bell\u0007', 'tab\tbed', 'zero\u200Bwidth', 'rtl\u202Eevil']) {
      expect(checkUsername(bad).ok, JSON.stringify(bad)).toBe(false);
    }
    expect(checkUsername('a'.repeat(64)).ok).toBe(true);
  });

  it('normalises to NFC, so two spellings of é are one user', () => {
    const decomposed = 'jose\u0301';
    expect(checkUsername(decomposed)).toEqual({ ok: true, username: 'jos\u00e9' });
  });
});

describe('password hashes', () => {
  it('checks scrypt hashes and refuses passwords longer than the limit', async () => {
    const hash = await hashPassword('correct horse battery staple', FAST);
    expect(hash).toMatch(/^scrypt\$16\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
    expect(await checkPassword('correct horse battery staple', hash)).toBe(true);
    expect(await checkPassword('correct horse battery stapler', hash)).toBe(false);
    expect(await checkPassword('anything', undefined, hash)).toBe(false);
    expect(await checkPassword('anything', 'not a hash', hash)).toBe(false);
    const long = 'x'.repeat(72);
    const longHash = await hashPassword(long, FAST);
    // bcrypt would have accepted any suffix; the limit stays so old and new hashes behave alike.
    expect(await checkPassword(`${long}extra`, longHash)).toBe(false);
  });

  it('says what is wrong with a new password', () => {
    expect(passwordProblem('short')).toMatch(/at least 8/);
    expect(passwordProblem('é'.repeat(40))).toMatch(/at most 72 bytes/);
    expect(passwordProblem('correct horse battery staple')).toBeUndefined();
  });
});

describe('development sign-in', () => {
  it('accepts any valid username with any or no password; the username is the account', async () => {
    const accounts = createLocalAccounts(configWith({ stateDir: join(dir, 'dev') }));
    expect(accounts.devLogin).toBe(true);
    expect(await accounts.verifyPassword(' bob ', '')).toBe('bob');
    expect(await accounts.verifyPassword('carol', 'whatever')).toBe('carol');
    expect(await accounts.verifyPassword('no spaces please', '')).toBeUndefined();
    const account = await accounts.findAccount(ctx, 'bob');
    expect(account?.accountId).toBe('bob');
    expect(await account?.claims('userinfo', 'openid', {}, [])).toEqual({ sub: 'bob' });
  });

  it('is off in production unless asked for', () => {
    expect(createLocalAccounts(configWith({ env: 'production' })).devLogin).toBe(false);
    expect(createLocalAccounts(configWith({ env: 'production', devLogin: true })).devLogin).toBe(true);
    expect(createLocalAccounts(configWith({ devLogin: false })).devLogin).toBe(false);
  });
});

describe('production sign-in with a users file', () => {
  it('signs in users of the file by password only; unknown users fail the same way', async () => {
    const usersFile = join(dir, 'prod', 'users.json');
    await writeUsersFile(usersFile, [{ username: 'alice', passwordHash: await hashPassword('correct horse battery staple', FAST), name: 'Alice', email: 'alice@example.com' }]);
    const accounts = createLocalAccounts(configWith({ env: 'production', usersFile }));
    expect(accounts.usersFile).toBe(usersFile);
    expect(await accounts.verifyPassword('alice', 'correct horse battery staple')).toBe('alice');
    expect(await accounts.verifyPassword('alice', 'wrong')).toBeUndefined();
    expect(await accounts.verifyPassword('alice', '')).toBeUndefined();
    expect(await accounts.verifyPassword('mallory', 'correct horse battery staple')).toBeUndefined();
    const account = await accounts.findAccount(ctx, 'alice');
    expect(await account?.claims('id_token', 'openid profile email', {}, [])).toEqual({ sub: 'alice', name: 'Alice', email: 'alice@example.com' });
    expect(await accounts.findAccount(ctx, 'mallory')).toBeUndefined();
  });

  it('sees users added or removed while running, without a restart', async () => {
    const usersFile = join(dir, 'live', 'users.json');
    const accounts = createLocalAccounts(configWith({ env: 'production', usersFile }));
    expect(await accounts.countUsers()).toBe(0);
    expect(await accounts.verifyPassword('dave', 'hunter2hunter2')).toBeUndefined();
    await writeUsersFile(usersFile, [{ username: 'dave', passwordHash: await hashPassword('hunter2hunter2', FAST) }]);
    expect(await accounts.verifyPassword('dave', 'hunter2hunter2')).toBe('dave');
    expect(await accounts.findAccount(ctx, 'dave')).toBeDefined();
    await writeUsersFile(usersFile, []);
    expect(await accounts.findAccount(ctx, 'dave')).toBeUndefined();
    expect(await accounts.verifyPassword('dave', 'hunter2hunter2')).toBeUndefined();
  });

  it('refuses what was issued before a user was added again or got a new password (validSince), and removed users', async () => {
    const usersFile = join(dir, 'since', 'users.json');
    await writeUsersFile(usersFile, [{ username: 'gus', passwordHash: await hashPassword('hunter2hunter2', FAST), validSince: 1_000 }]);
    const accounts = createLocalAccounts(configWith({ env: 'production', usersFile }));
    expect(await accounts.accountIsActive('gus', 999)).toBe(false);
    expect(await accounts.accountIsActive('gus', 1_000)).toBe(true);
    expect(await accounts.accountIsActive('nobody', 1_000)).toBe(false);
    // A refresh token whose chain began before (iiat), a code issued after, a session signed in before.
    expect(await accounts.findAccount(ctx, 'gus', { iiat: 999, iat: 2_000 } as never)).toBeUndefined();
    expect(await accounts.findAccount(ctx, 'gus', { iat: 1_001 } as never)).toBeDefined();
    expect(await accounts.findAccount({ oidc: { session: { loginTs: 500 } } } as never, 'gus')).toBeUndefined();
    await writeUsersFile(usersFile, []);
    expect(await accounts.accountIsActive('gus', 2_000)).toBe(false);
    // The development sign-in: any username is an account, so only a listed user's validSince counts.
    expect(await createLocalAccounts(configWith({ stateDir: join(dir, 'dev-since') })).accountIsActive('anyone', 1)).toBe(true);
  });

  it('writes the file 0600 and reads back what it wrote', async () => {
    const usersFile = join(dir, 'mode', 'users.json');
    const users = [{ username: 'erin', passwordHash: await hashPassword('correct horse battery staple', FAST) }];
    await writeUsersFile(usersFile, users);
    expect((await stat(usersFile)).mode & 0o777).toBe(0o600);
    expect(await readUsersFile(usersFile)).toEqual(users);
  });

  it('names the file and the problem when it is broken', async () => {
    const broken = join(dir, 'broken.json');
    await writeFile(broken, '{"users":[{"username":"al ice","passwordHash":"plain"}]}');
    const error = await readUsersFile(broken).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain(broken);
    expect((error as Error).message).toContain('no spaces');
    expect((error as Error).message).toContain('bcrypt hash');
    await writeFile(broken, 'not json');
    await expect(readUsersFile(broken)).rejects.toThrow(/not valid JSON/);
    const accounts = createLocalAccounts(configWith({ env: 'production', usersFile: broken }));
    await expect(accounts.verifyPassword('alice', 'x')).rejects.toBeInstanceOf(ConfigError);
  });

  it('defaults to users.json in the state directory', () => {
    expect(usersFilePath({ stateDir: '/var/lib/gatehouse' })).toBe('/var/lib/gatehouse/users.json');
    expect(usersFilePath({ stateDir: '/x', usersFile: '/etc/gatehouse/users.json' })).toBe('/etc/gatehouse/users.json');
  });
});

describe('bcrypt hashes of older users files', () => {
  it('still sign in (checked in a worker) and are rewritten as scrypt at the first success, other fields kept', async () => {
    const usersFile = join(dir, 'legacy', 'users.json');
    const legacy = bcrypt.hashSync('correct horse battery staple', 4);
    await writeUsersFile(usersFile, [
      { username: 'alice', passwordHash: legacy, name: 'Alice', email: 'alice@example.com' },
      { username: 'bob', passwordHash: bcrypt.hashSync('bobs password 1', 4) },
    ]);
    const upgradeErrors: unknown[] = [];
    const accounts = createLocalAccounts(configWith({ env: 'production', usersFile }), { onUpgradeError: (err) => upgradeErrors.push(err) });
    expect(await accounts.verifyPassword('alice', 'wrong password')).toBeUndefined();
    expect((await readUsersFile(usersFile))[0]!.passwordHash).toBe(legacy);

    expect(await accounts.verifyPassword('alice', 'correct horse battery staple')).toBe('alice');
    const [alice, bob] = await readUsersFile(usersFile);
    expect(alice).toMatchObject({ username: 'alice', name: 'Alice', email: 'alice@example.com' });
    expect(alice!.passwordHash).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(await checkPassword('correct horse battery staple', alice!.passwordHash)).toBe(true);
    expect(bob!.passwordHash).toMatch(/^\$2[ab]\$04\$/);
    expect((await stat(usersFile)).mode & 0o777).toBe(0o600);
    // The new hash signs in; the rewritten file is picked up without a restart.
    expect(await accounts.verifyPassword('alice', 'correct horse battery staple')).toBe('alice');
    expect(await accounts.verifyPassword('bob', 'bobs password 1')).toBe('bob');
    expect(upgradeErrors).toEqual([]);
  });

  it('does not block the event loop: timers fire while a bcrypt check runs', async () => {
    const hash = bcrypt.hashSync('correct horse battery staple', 10);
    const order: string[] = [];
    const check = checkPassword('correct horse battery staple', hash).then((ok) => order.push(`checked ${ok}`));
    // On the main thread (bcryptjs's own async API included) these would queue behind the whole check.
    for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
    order.push('loop turned');
    await check;
    expect(order).toEqual(['loop turned', 'checked true']);
  });
});
