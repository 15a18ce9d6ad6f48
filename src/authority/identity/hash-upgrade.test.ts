/**
 * Rewriting one user's hash after a bcrypt sign-in: only when the entry
 * still holds the hash that was checked, so an upgrade racing a password
 * change never puts the old password back.
 */
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replacePasswordHash } from './hash-upgrade.js';

let dir: string;
let count = 0;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gatehouse-hash-upgrade-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function usersFile(content: unknown): Promise<string> {
  const path = join(dir, `users-${++count}.json`);
  await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content), { mode: 0o600 });
  return path;
}

const USERS = { users: [{ username: 'alice', passwordHash: 'old-a', note: 'kept' }, { username: 'bob', passwordHash: 'old-b' }], extra: 1 };

describe('replacePasswordHash', () => {
  it("replaces that user's hash only, keeps every other field and entry, and writes 0600", async () => {
    const path = await usersFile(USERS);
    expect(await replacePasswordHash(path, 'alice', 'old-a', 'new-a')).toBe(true);
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual({ ...USERS, users: [{ ...USERS.users[0], passwordHash: 'new-a' }, USERS.users[1]] });
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it.each([
    ['the hash changed meanwhile (a new password)', 'alice', 'stale'],
    ['the user is gone', 'carol', 'old-a'],
  ])('writes nothing when %s', async (_name, username, oldHash) => {
    const path = await usersFile(USERS);
    const before = await readFile(path, 'utf8');
    expect(await replacePasswordHash(path, username, oldHash, 'new')).toBe(false);
    expect(await readFile(path, 'utf8')).toBe(before);
  });

  it('writes nothing to a file without a users list', async () => {
    const path = await usersFile({ users: { alice: 'old-a' } });
    expect(await replacePasswordHash(path, 'alice', 'old-a', 'new')).toBe(false);
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual({ users: { alice: 'old-a' } });
  });
});
