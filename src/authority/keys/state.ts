/**
 * Reading and writing `<stateDir>/keys.json`, and the rules applied whenever
 * it is opened: retired keys past their retention are dropped, and a missing
 * algorithm gets its first key.
 */
import { join, resolve } from 'node:path';
import { importJWK } from 'jose';
import { ConfigError } from '../../errors.js';
import { createFileExclusive, ensurePrivateDir, readTextIfExists, widerThanPrivate, writeFileAtomic } from '../stores/state-dir.js';
import { generateSigningKey } from './generate.js';
import { corrupt, parseKeyFile, serializeKeyFile, SIGNING_ALGORITHMS, type KeyFile, type SigningAlgorithm, type StoredKey } from './key-file.js';
import { publicJwk, publishedUntil } from './key-set.js';

/** The key file's name inside the state directory. */
export const KEY_FILE_NAME = 'keys.json';

/**
 * How often, at most, a running authority re-reads the key file (and at each
 * retired key's removal time besides): the bound a rotation relies on for
 * "every server has stopped signing with the key it replaced".
 */
export const KEY_REFRESH_SEC = 60;

/** Options every key operation takes. */
export interface KeyStateOptions {
  /** The state directory (`GATEHOUSE_STATE_DIR`, default `.gatehouse`). */
  stateDir: string;
  /** The clock in milliseconds; for tests. */
  now?: () => number;
  /** Where warnings go (a key file other users can read...). Default `console.warn`. */
  warn?: (message: string) => void;
  /** Where the key file lives when it is not `<stateDir>/keys.json`: shared by several instances (the Redis store). */
  keyStore?: SharedKeyFile;
}

/**
 * A key file kept somewhere every instance reads (encrypted at rest), in
 * place of `<stateDir>/keys.json`. The text is the key file's JSON.
 */
export interface SharedKeyFile {
  /** Names it in messages (never a password). */
  readonly where: string;
  read(): Promise<string | undefined>;
  /** Writes it unless it exists; resolves to whether this call wrote it. */
  create(text: string): Promise<boolean>;
  write(text: string): Promise<void>;
}

/**
 * Where the key file is, for messages: its path, or the shared store's name.
 *
 * @example
 * ```ts
 * keyLocation({ stateDir: '.gatehouse' }); // '/srv/app/.gatehouse/keys.json'
 * ```
 */
export function keyLocation(options: KeyStateOptions): string {
  return options.keyStore?.where ?? keyFilePath(options.stateDir);
}

/**
 * The absolute path of the key file.
 *
 * @example
 * ```ts
 * keyFilePath('.gatehouse'); // '/srv/app/.gatehouse/keys.json'
 * ```
 */
export function keyFilePath(stateDir: string): string {
  return join(resolve(stateDir), KEY_FILE_NAME);
}

/**
 * Seconds since the epoch on the given clock.
 *
 * @example
 * ```ts
 * nowSeconds(() => 1_700_000_000_000); // 1_700_000_000
 * ```
 */
export function nowSeconds(now: (() => number) | undefined): number {
  return Math.floor((now ?? Date.now)() / 1000);
}

function defaultWarn(message: string): void {
  console.warn(`gatehouse: warning: ${message}`);
}

/**
 * Checks a list of signing algorithms: known, at least one, no repeats.
 *
 * @example
 * ```ts
 * checkAlgorithms(['RS256', 'ES256']);
 * ```
 */
export function checkAlgorithms(algorithms: readonly string[]): SigningAlgorithm[] {
  const unknown = algorithms.filter((alg) => !SIGNING_ALGORITHMS.includes(alg as SigningAlgorithm));
  if (algorithms.length === 0 || unknown.length > 0 || new Set(algorithms).size !== algorithms.length) {
    throw new ConfigError(
      `authority.signingAlgorithms must list each of ${SIGNING_ALGORITHMS.join(', ')} at most once, at least one` +
        (unknown.length > 0 ? `; unknown: ${unknown.join(', ')}` : ''),
    );
  }
  return [...algorithms] as SigningAlgorithm[];
}

/**
 * Reads and checks the key file; `undefined` when there is none yet. A file
 * that exists but cannot be read or parsed is a `ConfigError`.
 *
 * @example
 * ```ts
 * const file = await readKeyFile({ stateDir: '.gatehouse' });
 * ```
 */
export async function readKeyFile(options: KeyStateOptions): Promise<KeyFile | undefined> {
  if (options.keyStore) {
    const text = await options.keyStore.read();
    if (text === undefined) return undefined;
    const file = parseKeyFile(text, options.keyStore.where);
    await checkKeyMaterial(file, options.keyStore.where);
    return file;
  }
  const path = keyFilePath(options.stateDir);
  let text: string | undefined;
  try {
    text = await readTextIfExists(path);
  } catch (err) {
    throw new ConfigError(
      `Cannot read the signing key file ${path} (${(err as Error).message}). It must be readable by the user running Gatehouse; ` +
        'check its owner and permissions. Gatehouse will not replace it with new keys, which would sign everybody out.',
    );
  }
  if (text === undefined) return undefined;
  const file = parseKeyFile(text, path);
  await checkKeyMaterial(file, path);
  const wide = await widerThanPrivate(path);
  if (wide) (options.warn ?? defaultWarn)(`the signing key file ${wide}`);
  return file;
}

/** Every key must import, private and public part, or the first token signed with it would fail mid-request. */
async function checkKeyMaterial(file: KeyFile, path: string): Promise<void> {
  for (const { jwk } of file.keys) {
    try {
      await importJWK(jwk, jwk.alg);
      await importJWK(publicJwk(jwk), jwk.alg);
    } catch (err) {
      throw corrupt(path, `the key "${jwk.kid}" is not a usable ${jwk.alg} key (${(err as Error).message})`);
    }
  }
}

/**
 * Creates the key file with one fresh key per algorithm, unless another
 * process just did; either way resolves to the file now on disk.
 *
 * @example
 * ```ts
 * const file = (await readKeyFile(options)) ?? (await createKeyFile(options, ['RS256']));
 * ```
 */
export async function createKeyFile(options: KeyStateOptions, algorithms: readonly SigningAlgorithm[]): Promise<KeyFile> {
  const path = keyLocation(options);
  const createdAt = nowSeconds(options.now);
  const file: KeyFile = { version: 1, keys: await Promise.all(algorithms.map((alg) => generateSigningKey(alg, createdAt))) };
  if (options.keyStore) {
    if (await options.keyStore.create(serializeKeyFile(file))) return file;
  } else {
    await ensurePrivateDir(resolve(options.stateDir));
    if (await createFileExclusive(path, serializeKeyFile(file), { fsync: true })) return file;
  }
  const existing = await readKeyFile(options);
  if (!existing) throw new ConfigError(`The signing key file ${path} vanished while Gatehouse was creating it; start again`);
  return existing;
}

/**
 * Replaces the key file atomically (and durably: keys must survive a power cut).
 *
 * @example
 * ```ts
 * await writeKeyFile(options, { version: 1, keys });
 * ```
 */
export async function writeKeyFile(options: KeyStateOptions, file: KeyFile): Promise<void> {
  if (options.keyStore) return options.keyStore.write(serializeKeyFile(file));
  await ensurePrivateDir(resolve(options.stateDir));
  await writeFileAtomic(keyFilePath(options.stateDir), serializeKeyFile(file), { fsync: true });
}

/**
 * Splits keys into those still published and those whose retention has passed.
 *
 * @example
 * ```ts
 * const { kept, pruned } = pruneRetired(file.keys, nowSeconds());
 * ```
 */
export function pruneRetired(keys: readonly StoredKey[], now: number): { kept: StoredKey[]; pruned: StoredKey[] } {
  const kept: StoredKey[] = [];
  const pruned: StoredKey[] = [];
  for (const key of keys) {
    const until = publishedUntil(key);
    (until !== undefined && until <= now ? pruned : kept).push(key);
  }
  return { kept, pruned };
}

/**
 * Adds a first key for each configured algorithm that has no active key.
 *
 * @example
 * ```ts
 * const added = await addMissingAlgorithms(keys, ['RS256', 'EdDSA'], now);
 * ```
 */
export async function addMissingAlgorithms(keys: StoredKey[], algorithms: readonly SigningAlgorithm[], now: number): Promise<StoredKey[]> {
  const missing = algorithms.filter((alg) => !keys.some((k) => k.jwk.alg === alg && k.retiredAt === undefined));
  const added = await Promise.all(missing.map((alg) => generateSigningKey(alg, now)));
  keys.push(...added);
  return added;
}
