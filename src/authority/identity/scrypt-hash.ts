import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/**
 * scrypt password hashes, `scrypt$<N>$<r>$<p>$<salt>$<key>` (salt and key in
 * base64url). `node:crypto`'s async `scrypt` runs on libuv's thread pool, so
 * checking a password never stalls the event loop the way pure-JavaScript
 * bcrypt did. The parameters travel with the hash: a file written with other
 * costs still verifies, and the cost can rise later without a migration.
 */

/** log2 of N for new hashes: N = 2^15, r = 8, p = 1 (32 MiB, about as slow as bcrypt cost 11). */
export const SCRYPT_COST = 15;
const BLOCK_SIZE = 8;
const PARALLELISM = 1;
const SALT_BYTES = 16;
const KEY_BYTES = 32;

// Bounds on what a users file may ask for, so a bad (or hostile) entry cannot make one check take minutes or gigabytes.
const MAX_N = 2 ** 20;
const MAX_R = 32;
const MAX_P = 16;
const MAX_MEMORY = 256 * 1024 * 1024;

const FORMAT = /^scrypt\$(\d{1,8})\$(\d{1,2})\$(\d{1,2})\$([A-Za-z0-9_-]{16,88})\$([A-Za-z0-9_-]{22,88})$/;

export interface ScryptHash {
  N: number;
  r: number;
  p: number;
  salt: Buffer;
  key: Buffer;
}

function memoryFor(N: number, r: number, p: number): number {
  // OpenSSL needs 128·N·r for V plus 128·r·p for B; leave room for its own bookkeeping.
  return 128 * N * r + 128 * r * p + 1024 * 1024;
}

function derive(password: string, salt: Buffer, N: number, r: number, p: number, keyBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, keyBytes, { N, r, p, maxmem: memoryFor(N, r, p) }, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/**
 * The parts of an scrypt hash, or `undefined` when it is not one this module
 * will check (malformed, N not a power of two, costs beyond the bounds).
 *
 * @example
 * ```ts
 * parseScryptHash('scrypt$32768$8$1$...$...')?.N; // 32768
 * ```
 */
export function parseScryptHash(value: string): ScryptHash | undefined {
  const match = FORMAT.exec(value);
  if (!match) return undefined;
  const [N, r, p] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (N < 2 || N > MAX_N || (N & (N - 1)) !== 0) return undefined;
  if (r < 1 || r > MAX_R || p < 1 || p > MAX_P || memoryFor(N, r, p) > MAX_MEMORY) return undefined;
  const salt = Buffer.from(match[4]!, 'base64url');
  const key = Buffer.from(match[5]!, 'base64url');
  if (salt.length < 8 || key.length < 16) return undefined;
  return { N, r, p, salt, key };
}

function format(hash: ScryptHash): string {
  return `scrypt$${hash.N}$${hash.r}$${hash.p}$${hash.salt.toString('base64url')}$${hash.key.toString('base64url')}`;
}

/**
 * A new scrypt hash with a random salt; `cost` is log2 of N (tests use a
 * small one to stay fast).
 *
 * @example
 * ```ts
 * await scryptHash('correct horse battery staple'); // 'scrypt$32768$8$1$...'
 * ```
 */
export async function scryptHash(password: string, cost = SCRYPT_COST): Promise<string> {
  if (!Number.isInteger(cost) || cost < 1 || 2 ** cost > MAX_N) throw new RangeError(`scrypt cost must be 1-${Math.log2(MAX_N)} (log2 of N)`);
  const N = 2 ** cost;
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, N, BLOCK_SIZE, PARALLELISM, KEY_BYTES);
  return format({ N, r: BLOCK_SIZE, p: PARALLELISM, salt, key });
}

/**
 * Whether the password derives the hash's key, compared in constant time.
 *
 * @example
 * ```ts
 * await scryptMatches('guess', parseScryptHash(stored)!); // false
 * ```
 */
export async function scryptMatches(password: string, hash: ScryptHash): Promise<boolean> {
  const key = await derive(password, hash.salt, hash.N, hash.r, hash.p, hash.key.length);
  return timingSafeEqual(key, hash.key);
}

/**
 * A hash with the same costs as `like` (or the default costs) that no
 * password matches: a random key. Checking a password against it costs what
 * checking against a real hash of that shape costs.
 *
 * @example
 * ```ts
 * await scryptMatches(password, parseScryptHash(scryptDummy(parseScryptHash(others)))!);
 * ```
 */
export function scryptDummy(like?: ScryptHash): string {
  const { N, r, p } = like ?? { N: 2 ** SCRYPT_COST, r: BLOCK_SIZE, p: PARALLELISM };
  return format({ N, r, p, salt: randomBytes(like?.salt.length ?? SALT_BYTES), key: randomBytes(like?.key.length ?? KEY_BYTES) });
}

/** The costs of a hash, as one string (to compare the shapes of two hashes). */
export function scryptShape(hash: ScryptHash): string {
  return `scrypt$${hash.N}$${hash.r}$${hash.p}$${hash.salt.length}$${hash.key.length}`;
}
