/**
 * The bounds the password code keeps: which stored hashes it will run at all
 * (a hostile users-file entry must not cost minutes or gigabytes), which new
 * passwords it takes, and the dummies an unknown user is checked against.
 */
import { scryptSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { bcryptDummy, isBcryptHash } from './bcrypt-legacy.js';
import { checkPassword, hashPassword, hashShape, isPasswordHash, needsUpgrade, passwordProblem } from './password-hash.js';
import { parseScryptHash, scryptDummy, scryptHash, scryptShape } from './scrypt-hash.js';

const FAST = 4;
/** 12 bytes and 16 bytes, base64url: the shortest salt and key the format takes. */
const SALT = 'AAAAAAAAAAAAAAAA';
const KEY = 'AAAAAAAAAAAAAAAAAAAAAA';
const BCRYPT_TAIL = 'a'.repeat(53);

function scrypt(N: number | string, r: number | string, p: number | string, salt = SALT, key = KEY): string {
  return `scrypt$${N}$${r}$${p}$${salt}$${key}`;
}

describe('stored scrypt hashes', () => {
  it.each([
    ['the smallest N', scrypt(2, 8, 1)],
    ['N = 2^20 with r = 1 (the largest N)', scrypt(2 ** 20, 1, 1)],
    ['r = 32, the largest block size', scrypt(2, 32, 1)],
    ['p = 16, the largest parallelism', scrypt(2, 8, 16)],
    ['N = 2^17, r = 8: 128 MiB, within the memory bound', scrypt(2 ** 17, 8, 1)],
    ['the longest salt and key', scrypt(2, 8, 1, 'A'.repeat(88), 'A'.repeat(88))],
  ])('are checked: %s', (_name, hash) => {
    expect(parseScryptHash(hash)).toBeDefined();
    expect(isPasswordHash(hash)).toBe(true);
  });

  it.each([
    ['N = 1', scrypt(1, 8, 1)],
    ['N not a power of two', scrypt(6, 8, 1)],
    ['N = 3', scrypt(3, 8, 1)],
    ['N = 2^21, past the bound', scrypt(2 ** 21, 1, 1)],
    ['N = 2^18 with r = 8: over 256 MiB', scrypt(2 ** 18, 8, 1)],
    ['r = 0', scrypt(2, 0, 1)],
    ['r = 33', scrypt(2, 33, 1)],
    ['p = 0', scrypt(2, 8, 0)],
    ['p = 17', scrypt(2, 8, 17)],
    ['a salt of 15 characters', scrypt(2, 8, 1, SALT.slice(1))],
    ['a key of 21 characters', scrypt(2, 8, 1, SALT, KEY.slice(1))],
    ['a salt of 89 characters', scrypt(2, 8, 1, 'A'.repeat(89))],
    ['a salt outside base64url', scrypt(2, 8, 1, `${SALT.slice(1)}+`)],
    ['N with nine digits', scrypt('000000002', 8, 1)],
    ['text before it', `x${scrypt(2, 8, 1)}`],
    ['text after it', `${scrypt(2, 8, 1)}$`],
    ['another scheme name', scrypt(2, 8, 1).replace('scrypt', 'scrypT')],
  ])('are refused before any key is derived: %s', (_name, hash) => {
    expect(parseScryptHash(hash)).toBeUndefined();
    expect(isPasswordHash(hash)).toBe(false);
    expect(hashShape(hash)).toBeUndefined();
  });

  it('are checked with the costs they name, so hashes written by any scrypt implementation verify', async () => {
    const salt = Buffer.from('0123456789abcdef');
    const key = scryptSync('correct horse', salt, 32, { N: 64, r: 4, p: 2 });
    const hash = `scrypt$64$4$2$${salt.toString('base64url')}$${key.toString('base64url')}`;
    expect(await checkPassword('correct horse', hash)).toBe(true);
    expect(await checkPassword('correct horsf', hash)).toBe(false);
    // Its shape, which the dummy for unknown users copies, names those costs too.
    expect(hashShape(hash)).toBe('scrypt$64$4$2$16$32');
  });

  it('reads the parts back as written', () => {
    expect(parseScryptHash(scrypt(16, 8, 2))).toMatchObject({ N: 16, r: 8, p: 2, salt: Buffer.alloc(12), key: Buffer.alloc(16) });
  });

  it('new hashes take a cost of 1 to 20 (log2 of N), whole numbers only', async () => {
    expect(parseScryptHash(await scryptHash('correct horse', 1))).toMatchObject({ N: 2, r: 8, p: 1 });
    for (const cost of [0, 21, 1.5, Number.NaN]) await expect(scryptHash('correct horse', cost)).rejects.toThrow(/scrypt cost must be 1-20/);
  });
});

describe('stored bcrypt hashes', () => {
  it.each(['$2a$', '$2b$', '$2y$'])('are recognised with the %s prefix and upgraded at the next sign-in', (prefix) => {
    const hash = `${prefix}10$${BCRYPT_TAIL}`;
    expect(isBcryptHash(hash)).toBe(true);
    expect(needsUpgrade(hash)).toBe(true);
    expect(hashShape(hash)).toBe(`${prefix}10$`);
  });

  it('take the costs bcrypt accepts, 4 to 31, and nothing else', () => {
    expect(isBcryptHash(`$2b$04$${BCRYPT_TAIL}`)).toBe(true);
    expect(isBcryptHash(`$2b$31$${BCRYPT_TAIL}`)).toBe(true);
    expect(isBcryptHash(`$2b$03$${BCRYPT_TAIL}`)).toBe(false);
    expect(isBcryptHash(`$2b$32$${BCRYPT_TAIL}`)).toBe(false);
    expect(isBcryptHash(`$2x$10$${BCRYPT_TAIL}`)).toBe(false);
    expect(isBcryptHash(`$2b$10$${BCRYPT_TAIL}x`)).toBe(false);
    expect(isBcryptHash(`x$2b$10$${BCRYPT_TAIL}`)).toBe(false);
  });

  it('scrypt hashes need no upgrade', async () => {
    expect(needsUpgrade(await hashPassword('correct horse', FAST))).toBe(false);
  });
});

describe('the dummies unknown users are checked against', () => {
  it('an scrypt dummy has the costs and lengths of the hash it imitates, and a fresh salt', () => {
    const like = parseScryptHash(scrypt(2 ** 10, 4, 2, 'B'.repeat(24), 'C'.repeat(43)))!;
    const dummy = parseScryptHash(scryptDummy(like))!;
    expect(scryptShape(dummy)).toBe(scryptShape(like));
    expect(dummy.salt.equals(like.salt)).toBe(false);
    expect(scryptShape(parseScryptHash(scryptDummy())!)).toBe('scrypt$32768$8$1$16$32');
  });

  it('a bcrypt dummy keeps the cost of the hash it imitates and is itself a bcrypt hash', () => {
    const dummy = bcryptDummy(`$2a$12$${BCRYPT_TAIL}`);
    expect(isBcryptHash(dummy)).toBe(true);
    expect(dummy.startsWith('$2b$12$')).toBe(true);
    expect(dummy).not.toBe(bcryptDummy(`$2a$12$${BCRYPT_TAIL}`));
    expect(bcryptDummy('not a hash').startsWith('$2b$11$')).toBe(true);
  });
});

describe('new passwords', () => {
  it('have at least 8 characters, counted as characters, not UTF-16 units', () => {
    expect(passwordProblem('1234567')).toMatch(/at least 8 characters/);
    expect(passwordProblem('12345678')).toBeUndefined();
    // Four emoji are eight UTF-16 units but four characters.
    expect(passwordProblem('😀'.repeat(4))).toMatch(/at least 8 characters/);
  });

  it('have at most 72 bytes (what bcrypt read), counted in UTF-8', () => {
    expect(passwordProblem('x'.repeat(72))).toBeUndefined();
    expect(passwordProblem('x'.repeat(73))).toMatch(/at most 72 bytes/);
    expect(passwordProblem('é'.repeat(36))).toBeUndefined();
    expect(passwordProblem(`${'é'.repeat(36)}x`)).toMatch(/at most 72 bytes/);
  });

  it('a password of exactly 72 bytes signs in; one byte more never does', async () => {
    const password = 'é'.repeat(36);
    expect(await checkPassword(password, await hashPassword(password, FAST))).toBe(true);
    // scrypt itself would match a longer one; the limit refuses it, as bcrypt hashes could not tell it apart.
    const longer = `${password}x`;
    expect(await checkPassword(longer, await hashPassword(longer, FAST))).toBe(false);
  });

  it('many checks at once all finish, in any mix of right and wrong', async () => {
    const hash = await hashPassword('correct horse', FAST);
    const answers = await Promise.all(Array.from({ length: 9 }, (_, i) => checkPassword(i % 3 === 0 ? 'correct horse' : 'wrong horse', hash)));
    expect(answers).toEqual(Array.from({ length: 9 }, (_, i) => i % 3 === 0));
  });
});
