import { ConfigError } from '../../errors.js';
import { generateSigningKey } from './generate.js';
import { SIGNING_ALGORITHMS, type KeyFile, type SigningAlgorithm, type StoredKey } from './key-file.js';
import { buildAuthorityKeys, describeKey, signingOrder, type AuthorityKeys, type KeyInfo } from './key-set.js';
import {
  addMissingAlgorithms,
  checkAlgorithms,
  createKeyFile,
  KEY_REFRESH_SEC,
  nowSeconds,
  pruneRetired,
  readKeyFile,
  writeKeyFile,
  type KeyStateOptions,
} from './state.js';

/** Options of `loadOrCreateKeys`. */
export interface LoadKeysOptions extends KeyStateOptions {
  /** One key per algorithm; the first algorithm's key comes first. */
  algorithms: readonly SigningAlgorithm[];
  /** `false` keeps the keys in memory only (memory store, tests): new keys on every start. Default `true`. */
  persist?: boolean;
}

/**
 * The authority's signing keys, as a starting server needs them: read from
 * `<stateDir>/keys.json`, or generated and saved there on first start (the
 * directory 0700, the file 0600, written atomically). A file that cannot be
 * read or parsed stops the start with a `ConfigError` instead of being
 * replaced, which would sign everybody out.
 *
 * Call it once per server start: it also drops retired keys whose retention
 * has passed, starts the retention clock of keys retired while a previous
 * server was running, and adds a key for a newly configured algorithm.
 *
 * @example
 * ```ts
 * const keys = await loadOrCreateKeys({ stateDir: '.gatehouse', algorithms: ['RS256', 'ES256', 'EdDSA'] });
 * new Provider(issuer, { jwks: keys.jwks });
 * createJwtVerifier({ keys: keys.keySource, ... });
 * ```
 */
export async function loadOrCreateKeys(options: LoadKeysOptions): Promise<AuthorityKeys> {
  const algorithms = checkAlgorithms(options.algorithms);
  return buildAuthorityKeys(await loadStoredKeys(options), algorithms);
}

/**
 * The stored keys behind {@link loadOrCreateKeys}, with the same start-up
 * rules applied (and saved): what a key set that refreshes itself starts from.
 *
 * @example
 * ```ts
 * const stored = await loadStoredKeys({ stateDir: '.gatehouse', algorithms: ['RS256'] });
 * ```
 */
export async function loadStoredKeys(options: LoadKeysOptions): Promise<StoredKey[]> {
  const algorithms = checkAlgorithms(options.algorithms);
  const now = nowSeconds(options.now);
  if (options.persist === false) return Promise.all(algorithms.map((alg) => generateSigningKey(alg, now)));
  const file = (await readKeyFile(options)) ?? (await createKeyFile(options, algorithms));
  const { kept, pruned } = pruneRetired(file.keys, now);
  let changed = pruned.length > 0;
  const keys = kept.map(function startRetentionClock(key): StoredKey {
    // This start proves the server that signed with it before the rotation has stopped.
    if (key.retiredAt === undefined || key.unusedSince !== undefined) return key;
    changed = true;
    return { ...key, unusedSince: Math.max(now, key.retiredAt) };
  });
  if ((await addMissingAlgorithms(keys, algorithms, now)).length > 0) changed = true;
  if (changed) await writeKeyFile(options, { version: 1, keys });
  return keys;
}

/** Options of `rotateKeys`. */
export interface RotateKeysOptions extends KeyStateOptions {
  /** The algorithms to rotate; each gets a new key that running servers sign with within a minute. */
  algorithms: readonly SigningAlgorithm[];
  /**
   * How long a replaced key stays published once nothing signs with it: at
   * least the access token lifetime (plus clock tolerance), so every token it
   * signed expires before it disappears.
   */
  retainSec: number;
}

/** What `rotateKeys` changed. */
export interface RotationResult {
  /** The new keys, one per rotated algorithm. */
  added: KeyInfo[];
  /** The keys they replace: still published, no longer signing. */
  retired: KeyInfo[];
  /** Retired keys whose retention had passed, now removed. */
  pruned: KeyInfo[];
  /** Every key in the file afterwards, active first. */
  keys: KeyInfo[];
}

/**
 * Adds a new key per algorithm in front of the current one, which stays
 * published (marked retired) for `retainSec` after servers stop signing with
 * it; removes retired keys whose retention has passed. Running servers re-read
 * the file at least every {@link KEY_REFRESH_SEC} seconds: they sign with the
 * new keys from then on, so the retention clock of the old keys starts that
 * long after the rotation, and they stop publishing and accepting the old
 * keys when it has run out, without a restart.
 *
 * @example
 * ```ts
 * const result = await rotateKeys({ stateDir: '.gatehouse', algorithms: ['RS256', 'ES256'], retainSec: 3900 });
 * result.added.map((k) => k.kid);
 * ```
 */
export async function rotateKeys(options: RotateKeysOptions): Promise<RotationResult> {
  const algorithms = checkAlgorithms(options.algorithms);
  if (!Number.isInteger(options.retainSec) || options.retainSec < 0) {
    throw new ConfigError(`The retention of rotated keys must be a whole number of seconds, not ${options.retainSec}`);
  }
  const now = nowSeconds(options.now);
  const file: KeyFile = (await readKeyFile(options)) ?? { version: 1, keys: [] };
  const { kept, pruned } = pruneRetired(file.keys, now);
  const retired: StoredKey[] = [];
  const keys = kept.map(function retireActive(key): StoredKey {
    if (key.retiredAt !== undefined || !algorithms.includes(key.jwk.alg)) return key;
    // Every running server re-reads the file within KEY_REFRESH_SEC and stops signing with it then.
    const replaced = { ...key, retiredAt: now, retainSec: options.retainSec, unusedSince: now + KEY_REFRESH_SEC };
    retired.push(replaced);
    return replaced;
  });
  const added = await addMissingAlgorithms(keys, algorithms, now);
  await writeKeyFile(options, { version: 1, keys });
  return {
    added: added.map(describeKey),
    retired: retired.map(describeKey),
    pruned: pruned.map(describeKey),
    keys: signingOrder(keys, SIGNING_ALGORITHMS).map(describeKey),
  };
}

/**
 * Every key in the key file, active first, without changing anything;
 * `undefined` when no key has been made yet.
 *
 * @example
 * ```ts
 * for (const key of (await listKeys({ stateDir: '.gatehouse' })) ?? []) console.log(key.kid, key.status);
 * ```
 */
export async function listKeys(options: KeyStateOptions): Promise<KeyInfo[] | undefined> {
  const file = await readKeyFile(options);
  if (!file) return undefined;
  return signingOrder(file.keys, SIGNING_ALGORITHMS).map(describeKey);
}
