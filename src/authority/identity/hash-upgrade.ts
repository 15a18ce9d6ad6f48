import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../stores/state-dir.js';

/**
 * Replaces one user's password hash in the users file, for upgrading a
 * bcrypt hash to scrypt after a successful sign-in. Only the `passwordHash`
 * of that entry changes (every other field and entry is written back as
 * read), the write is atomic (temp file, rename) and 0600, and nothing is
 * written when the entry no longer holds `oldHash`: the password was changed
 * meanwhile, or another sign-in upgraded it first.
 *
 * Resolves to whether the file was rewritten.
 *
 * @example
 * ```ts
 * await replacePasswordHash(source.path, 'alice', '$2b$11$...', await hashPassword(password));
 * ```
 */
export async function replacePasswordHash(path: string, username: string, oldHash: string, newHash: string): Promise<boolean> {
  const file = JSON.parse(await readFile(path, 'utf8')) as { users?: unknown };
  if (!Array.isArray(file.users)) return false;
  const entry = (file.users as Record<string, unknown>[]).find((user) => user?.username === username);
  if (!entry || entry.passwordHash !== oldHash) return false;
  entry.passwordHash = newHash;
  await writeFileAtomic(path, `${JSON.stringify(file, null, 2)}\n`);
  return true;
}
