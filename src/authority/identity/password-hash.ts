import { bcryptDummy, bcryptMatches, isBcryptHash } from './bcrypt-legacy.js';
import { parseScryptHash, scryptDummy, scryptHash, scryptMatches, scryptShape, SCRYPT_COST } from './scrypt-hash.js';

/**
 * Password hashes for the users file: scrypt from `node:crypto` for new
 * hashes (`scrypt$N$r$p$salt$key`, computed on libuv's thread pool), and
 * bcrypt hashes of older files still accepted (checked in a worker thread)
 * until they are upgraded at the next successful sign-in. Nothing here runs
 * a key derivation on the event loop.
 */

export { SCRYPT_COST } from './scrypt-hash.js';
/** bcrypt ignored everything past 72 bytes; longer passwords are refused rather than silently cut. */
export const MAX_PASSWORD_BYTES = 72;
export const MIN_PASSWORD_LENGTH = 8;

/**
 * At most this many checks derive keys at once, so a burst of sign-ins
 * leaves libuv's pool (4 threads by default) free for file reads, and
 * memory stays bounded (32 MiB per scrypt check).
 */
const CONCURRENT_CHECKS = 2;

/**
 * Why a new password cannot be used, or `undefined` when it can.
 *
 * @example
 * ```ts
 * passwordProblem('short'); // 'a password has at least 8 characters'
 * ```
 */
export function passwordProblem(password: string): string | undefined {
  if ([...password].length < MIN_PASSWORD_LENGTH) return `a password has at least ${MIN_PASSWORD_LENGTH} characters`;
  if (Buffer.byteLength(password, 'utf8') > MAX_PASSWORD_BYTES) return `a password has at most ${MAX_PASSWORD_BYTES} bytes`;
  return undefined;
}

/**
 * Hashes a new password for the users file with scrypt; `cost` is log2 of N
 * (default {@link SCRYPT_COST}; tests use a small one to stay fast).
 *
 * @example
 * ```ts
 * const passwordHash = await hashPassword('correct horse battery staple'); // 'scrypt$32768$8$1$...'
 * ```
 */
export async function hashPassword(password: string, cost = SCRYPT_COST): Promise<string> {
  return limited(() => scryptHash(password, cost));
}

/**
 * Whether a string is a password hash this module can check: scrypt
 * (`scrypt$...`) within sane costs, or bcrypt (`$2b$...`).
 *
 * @example
 * ```ts
 * isPasswordHash('scrypt$32768$8$1$...'); // true for a real hash
 * ```
 */
export function isPasswordHash(value: string): boolean {
  return parseScryptHash(value) !== undefined || isBcryptHash(value);
}

/**
 * Whether a stored hash should be replaced by a scrypt one at the next
 * successful sign-in (it is bcrypt).
 *
 * @example
 * ```ts
 * if (await checkPassword(pw, hash) && needsUpgrade(hash)) await upgrade(await hashPassword(pw));
 * ```
 */
export function needsUpgrade(passwordHash: string): boolean {
  return isBcryptHash(passwordHash);
}

/**
 * A label for a hash's scheme and costs: hashes with the same shape take the
 * same time to check. Unusable values have no shape.
 */
export function hashShape(passwordHash: string): string | undefined {
  const scrypt = parseScryptHash(passwordHash);
  if (scrypt) return scryptShape(scrypt);
  return isBcryptHash(passwordHash) ? passwordHash.slice(0, 7) : undefined;
}

/**
 * Checks a password against a stored hash, or (no usable hash: an unknown
 * user) against a dummy shaped like `like` (the users' usual hash, else the
 * default scrypt costs), so both take the same time and the same path.
 *
 * @example
 * ```ts
 * await checkPassword('guess', user?.passwordHash, usualHash); // false for unknown users too
 * ```
 */
export async function checkPassword(password: string, passwordHash: string | undefined, like?: string): Promise<boolean> {
  const usable = passwordHash !== undefined && isPasswordHash(passwordHash);
  const against = usable ? passwordHash : dummyLike(like);
  const tooLong = Buffer.byteLength(password, 'utf8') > MAX_PASSWORD_BYTES;
  const matches = await limited(() => {
    const scrypt = parseScryptHash(against);
    return scrypt ? scryptMatches(password, scrypt) : bcryptMatches(password, against);
  });
  return usable && !tooLong && matches;
}

function dummyLike(like: string | undefined): string {
  if (like !== undefined && isBcryptHash(like)) return bcryptDummy(like);
  return scryptDummy(like === undefined ? undefined : parseScryptHash(like));
}

let running = 0;
const waiting: (() => void)[] = [];

/** Runs `work` when fewer than CONCURRENT_CHECKS others run; the rest wait in order. */
async function limited<T>(work: () => Promise<T>): Promise<T> {
  // A finished check hands its slot straight to the next in line.
  if (running >= CONCURRENT_CHECKS) await new Promise<void>((resolve) => waiting.push(resolve));
  else running++;
  try {
    return await work();
  } finally {
    const next = waiting.shift();
    if (next) next();
    else running--;
  }
}
