import { randomBytes } from 'node:crypto';
import bcrypt from 'bcryptjs';

/**
 * Password hashes for the users file: bcrypt (pure JavaScript `bcryptjs`, so
 * installing Gatehouse never compiles anything). Cost 11 takes ~0.2 s per
 * check on one core: slow enough against offline guessing, fast enough that
 * a burst of sign-ins does not stall the server.
 */

export const BCRYPT_COST = 11;
/** bcrypt ignores everything past 72 bytes; longer passwords are refused instead of silently cut. */
export const MAX_PASSWORD_BYTES = 72;
export const MIN_PASSWORD_LENGTH = 8;

const BCRYPT_HASH = /^\$2[aby]\$(\d{2})\$[./A-Za-z0-9]{53}$/;

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
  if (Buffer.byteLength(password, 'utf8') > MAX_PASSWORD_BYTES) return `a password has at most ${MAX_PASSWORD_BYTES} bytes (bcrypt ignores the rest)`;
  return undefined;
}

/**
 * Hashes a new password for the users file.
 *
 * @example
 * ```ts
 * const passwordHash = await hashPassword('correct horse battery staple');
 * ```
 */
export async function hashPassword(password: string, cost = BCRYPT_COST): Promise<string> {
  return bcrypt.hash(password, cost);
}

/**
 * Whether a string looks like a bcrypt hash this module can check.
 *
 * @example
 * ```ts
 * isPasswordHash('$2b$11$...'); // true for a real hash
 * ```
 */
export function isPasswordHash(value: string): boolean {
  return BCRYPT_HASH.test(value);
}

const dummyHashes = new Map<number, Promise<string>>();

/**
 * A hash of a random secret at the given cost, made once per cost. Checking a
 * password against it takes as long as against a real user's hash and always
 * fails, so an unknown username costs the same time as a wrong password.
 */
function dummyHash(cost: number): Promise<string> {
  let hash = dummyHashes.get(cost);
  if (!hash) {
    hash = bcrypt.hash(randomBytes(32).toString('base64url'), cost);
    dummyHashes.set(cost, hash);
  }
  return hash;
}

/**
 * Checks a password against a stored hash, or (with no hash: an unknown user)
 * against a dummy hash of the same cost, so both take the same time.
 *
 * @example
 * ```ts
 * await checkPassword('guess', user?.passwordHash); // false for unknown users too
 * ```
 */
export async function checkPassword(password: string, passwordHash: string | undefined, costOfOthers = BCRYPT_COST): Promise<boolean> {
  const usable = passwordHash !== undefined && isPasswordHash(passwordHash);
  const tooLong = Buffer.byteLength(password, 'utf8') > MAX_PASSWORD_BYTES;
  const against = usable ? passwordHash : await dummyHash(costOfOthers);
  const matches = await bcrypt.compare(password, against);
  return usable && !tooLong && matches;
}

/**
 * The cost factor of a bcrypt hash (to make dummy hashes of the same cost).
 *
 * @example
 * ```ts
 * costOf('$2b$11$...'); // 11
 * ```
 */
export function costOf(passwordHash: string): number | undefined {
  const match = BCRYPT_HASH.exec(passwordHash);
  return match ? Number(match[1]) : undefined;
}
