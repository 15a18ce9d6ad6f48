/**
 * What a username may be. The username is the token's `sub`, so it must be
 * stable, printable and short: 1–64 characters after trimming and Unicode
 * NFC normalisation, no whitespace, no control or invisible format
 * characters (which would let two different-looking names collide, or one
 * name hide another).
 */

export const MAX_USERNAME_LENGTH = 64;

// \p{C}: control, format, unassigned, private use, surrogates; \p{Z}: every kind of space.
const FORBIDDEN = /[\p{C}\p{Z}]/u;

/** A username that passed the rules, or why it did not. */
export type UsernameCheck = { ok: true; username: string } | { ok: false; reason: string };

/**
 * Normalises a typed username and checks it against the rules.
 *
 * @example
 * ```ts
 * checkUsername('  alice ');   // { ok: true, username: 'alice' }
 * checkUsername('al ice');     // { ok: false, reason: 'a username has no spaces' }
 * ```
 */
export function checkUsername(raw: string): UsernameCheck {
  const username = raw.trim().normalize('NFC');
  if (username === '') return { ok: false, reason: 'enter a username' };
  if ([...username].length > MAX_USERNAME_LENGTH) return { ok: false, reason: `a username has at most ${MAX_USERNAME_LENGTH} characters` };
  if (/\s/u.test(username) || /\p{Z}/u.test(username)) return { ok: false, reason: 'a username has no spaces' };
  if (FORBIDDEN.test(username)) return { ok: false, reason: 'a username has only printable characters' };
  return { ok: true, username };
}
