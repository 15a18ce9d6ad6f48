import type { JWK } from 'jose';
import type { KeySource } from '../../tokens/jwt-verifier.js';
import { createLocalKeySource } from './key-source.js';
import type { PrivateJwk, SigningAlgorithm, StoredKey } from './key-file.js';

/** What `gatehouse keys list` shows about one key. Times are seconds since the epoch. */
export interface KeyInfo {
  kid: string;
  alg: SigningAlgorithm;
  createdAt: number;
  /** `active` signs new tokens; `retiring` is only published, for tokens it signed before. */
  status: 'active' | 'retiring';
  retiredAt?: number;
  /** How long a retiring key stays published once nothing signs with it. */
  retainSec?: number;
  /** When a retiring key will be removed; unknown until a server has started without it. */
  publishedUntil?: number;
}

/** The authority's signing keys, ready for oidc-provider and for the gate. */
export interface AuthorityKeys {
  /**
   * Private JWKs for oidc-provider's `jwks`, in its signing order: the active
   * key of each algorithm first (oidc-provider signs with the first key of an
   * algorithm), then the retiring ones, newest first.
   */
  jwks: { keys: PrivateJwk[] };
  /** The public parts, as published at the JWKS endpoint. */
  publicJwks: { keys: JWK[] };
  /** Verifies the authority's tokens in process (the gate's `KeySource`). */
  keySource: KeySource;
  /** The algorithms with an active key, in configured order. */
  algorithms: SigningAlgorithm[];
  /** Every published key, in signing order. */
  info: KeyInfo[];
}

const PRIVATE_MEMBERS = new Set(['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth']);

/**
 * The public part of a private JWK.
 *
 * @example
 * ```ts
 * publicJwk(privateJwk); // { kty, kid, alg, use, n, e } without d, p, q...
 * ```
 */
export function publicJwk(jwk: PrivateJwk): JWK {
  return Object.fromEntries(Object.entries(jwk).filter(([name]) => !PRIVATE_MEMBERS.has(name))) as JWK;
}

/**
 * When a retiring key may be removed, or `undefined` while a server started
 * before the rotation may still be signing with it.
 *
 * @example
 * ```ts
 * publishedUntil({ ...key, unusedSince: 1_700_000_000, retainSec: 3900 }); // 1_700_003_900
 * ```
 */
export function publishedUntil(key: StoredKey): number | undefined {
  if (key.retiredAt === undefined || key.unusedSince === undefined) return undefined;
  return key.unusedSince + (key.retainSec ?? 0);
}

/**
 * Describes a stored key for listings and rotation reports.
 *
 * @example
 * ```ts
 * describeKey(stored).status; // 'active'
 * ```
 */
export function describeKey(key: StoredKey): KeyInfo {
  const until = publishedUntil(key);
  return {
    kid: key.jwk.kid,
    alg: key.jwk.alg,
    createdAt: key.createdAt,
    status: key.retiredAt === undefined ? 'active' : 'retiring',
    ...(key.retiredAt !== undefined ? { retiredAt: key.retiredAt } : {}),
    ...(key.retainSec !== undefined ? { retainSec: key.retainSec } : {}),
    ...(until !== undefined ? { publishedUntil: until } : {}),
  };
}

/**
 * Stored keys in signing order: for each configured algorithm its newest
 * active key, then every other key of a configured algorithm, newest first.
 * Keys of algorithms no longer configured are left out (kept in the file).
 *
 * @example
 * ```ts
 * signingOrder(file.keys, ['ES256', 'RS256'])[0].jwk.alg; // 'ES256'
 * ```
 */
export function signingOrder(keys: readonly StoredKey[], algorithms: readonly SigningAlgorithm[]): StoredKey[] {
  const newestFirst = [...keys].sort((a, b) => b.createdAt - a.createdAt);
  const active = algorithms
    .map((alg) => newestFirst.find((k) => k.jwk.alg === alg && k.retiredAt === undefined))
    .filter((k): k is StoredKey => k !== undefined);
  const rest = newestFirst.filter((k) => algorithms.includes(k.jwk.alg) && !active.includes(k));
  return [...active, ...rest];
}

/**
 * Builds the key set oidc-provider and the gate use from stored keys.
 *
 * @example
 * ```ts
 * const keys = await buildAuthorityKeys(file.keys, ['RS256', 'ES256']);
 * new Provider(issuer, { jwks: keys.jwks });
 * ```
 */
export async function buildAuthorityKeys(stored: readonly StoredKey[], algorithms: readonly SigningAlgorithm[]): Promise<AuthorityKeys> {
  const ordered = signingOrder(stored, algorithms);
  const privateKeys = ordered.map((k) => structuredClone(k.jwk));
  const publicKeys = ordered.map((k) => publicJwk(k.jwk));
  return {
    jwks: { keys: privateKeys },
    publicJwks: { keys: publicKeys },
    keySource: await createLocalKeySource(publicKeys),
    algorithms: algorithms.filter((alg) => ordered.some((k) => k.jwk.alg === alg && k.retiredAt === undefined)),
    info: ordered.map(describeKey),
  };
}

/**
 * The key that signs new tokens with `alg` (its newest active key), or with
 * the first configured algorithm when `alg` has no active key or none is
 * named: what anything signing beside oidc-provider (exchanged tokens,
 * identity assertions) should use, so one published JWKS verifies it all.
 *
 * @example
 * ```ts
 * const jwk = activeSigningKey(keys, 'ES256'); // ES256 when configured, else the first algorithm's key
 * ```
 */
export function activeSigningKey(keys: AuthorityKeys, alg?: SigningAlgorithm): PrivateJwk {
  const chosen = alg !== undefined && keys.algorithms.includes(alg) ? alg : keys.algorithms[0];
  // Signing order puts each algorithm's active key before its retiring ones.
  const jwk = keys.jwks.keys.find((key) => key.alg === chosen);
  if (!jwk) throw new Error('the authority has no active signing key; restart it to create one, or run `gatehouse keys rotate`');
  return jwk;
}
