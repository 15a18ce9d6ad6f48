import { createLocalJWKSet, type CryptoKey, type JSONWebKeySet, type JWSHeaderParameters } from 'jose';
import { InvalidTokenError } from '../errors.js';
import { describeFetchFailure, fetchText, isJsonObject, parseJson } from './http.js';

/** Options of `JwksCache`. */
export interface JwksCacheOptions {
  /**
   * Where the keys are. Asked lazily on every fetch, so it can follow upstream
   * metadata (`jwks_uri`) or a configured override; may throw when unknown.
   */
  jwksUri: () => string | Promise<string>;
  /** Seconds fetched keys count as fresh; stale keys keep serving while a refetch runs. Default 600. */
  maxAgeSec?: number;
  /** The shortest time between two fetches not caused by staleness (unknown `kid`, retry after failure). Default 30. */
  cooldownSec?: number;
  /** Milliseconds before a JWKS request is abandoned. Default 5000. */
  timeoutMs?: number;
  /** A `fetch` to use instead of the global one. */
  fetch?: typeof fetch;
  /** The clock, in milliseconds; for tests. */
  now?: () => number;
}

/** Numbers for tests and benchmarks. */
export interface JwksCacheCounters {
  /** JWKS requests attempted. */
  fetches: number;
  /** Attempts that failed (network, status, not a key set). */
  failures: number;
}

type LocalKeySet = ReturnType<typeof createLocalJWKSet>;

/**
 * The issuer's signing keys, fetched once and reused.
 *
 * - Keys are fresh for `maxAgeSec`; stale keys keep serving while one
 *   background refetch runs.
 * - A `kid` that is not in the set triggers one refetch (key rotation). All
 *   concurrent requests share it, and at most one such refetch happens per
 *   `cooldownSec`, so a flood of tokens with made-up `kid`s costs the IdP one
 *   request.
 * - When the endpoint is down or serves garbage, the cached keys keep
 *   serving. Only when there are no keys at all does verification fail, with
 *   `ERR_JWKS_UNAVAILABLE`.
 *
 * @example
 * ```ts
 * const jwks = new JwksCache({ jwksUri: () => 'https://idp.example.com/jwks' });
 * const [key] = await jwks.getKeys({ alg: 'RS256', kid: 'k1' });
 * ```
 */
export class JwksCache {
  readonly counters: JwksCacheCounters = { fetches: 0, failures: 0 };
  readonly #jwksUri: () => string | Promise<string>;
  readonly #maxAgeMs: number;
  readonly #cooldownMs: number;
  readonly #timeoutMs: number;
  readonly #fetch: typeof fetch | undefined;
  readonly #now: () => number;
  #keySet: LocalKeySet | undefined;
  #jwks: JSONWebKeySet | undefined;
  /** Bumped whenever a new key set is stored, so a lookup knows the set changed under it. */
  #generation = 0;
  #fetchedAt = -Infinity;
  #lastAttemptAt = -Infinity;
  #lastUri: string | undefined;
  #lastFailure: string | undefined;
  #inflight: Promise<void> | undefined;
  /**
   * The keys found for each `alg` and `kid` (or no kid) in the current set: what jose's key-set lookup gave, so
   * `keysNow` answers without it. Only successful lookups are kept, so made-up kids add nothing; a new set empties it.
   */
  #found = new Map<string, Map<string | undefined, readonly CryptoKey[]>>();

  constructor(options: JwksCacheOptions) {
    this.#jwksUri = options.jwksUri;
    this.#maxAgeMs = (options.maxAgeSec ?? 600) * 1000;
    this.#cooldownMs = (options.cooldownSec ?? 30) * 1000;
    this.#timeoutMs = options.timeoutMs ?? 5000;
    this.#fetch = options.fetch;
    this.#now = options.now ?? Date.now;
  }

  /** The cached key set, or `undefined` before the first successful fetch. */
  get jwks(): JSONWebKeySet | undefined {
    return this.#jwks;
  }

  /** Why the last fetch failed (`HTTP 500`, `the key set has no keys`...), or `undefined` after a success. */
  get lastFailure(): string | undefined {
    return this.#lastFailure;
  }

  /** The JWKS URL last asked, or `undefined` before any fetch. */
  get lastUri(): string | undefined {
    return this.#lastUri;
  }

  /**
   * The public keys that may have signed a JWS with this header: usually one;
   * several when the header has no `kid` and the set has several keys of the
   * algorithm's type (try each).
   *
   * @throws InvalidTokenError `ERR_JWKS_NO_MATCHING_KEY` or `ERR_JWKS_UNAVAILABLE`.
   */
  async getKeys(header: JWSHeaderParameters): Promise<CryptoKey[]> {
    await this.#ensureKeys();
    const generation = this.#generation;
    const found = await this.#lookup(header);
    if (found) return found;

    // Unknown kid: the issuer may have rotated its keys.
    if (this.#generation === generation) {
      if (this.#inflight) await this.#inflight;
      else if (this.#mayFetch()) await this.#refetch();
      else throw this.#noMatchingKey(header, 'the keys were refetched recently, so they were not refetched again');
    }
    const refound = await this.#lookup(header);
    if (refound) return refound;
    throw this.#noMatchingKey(header, 'even after refetching the keys');
  }

  /**
   * The keys `getKeys` would give for this header, synchronously, when the
   * same `alg` and `kid` were looked up in the current key set before (the
   * keys are imported); `undefined` otherwise, then ask `getKeys`. Stale keys
   * start one background refetch here as they do there.
   *
   * @example
   * ```ts
   * const keys = jwks.keysNow(header) ?? (await jwks.getKeys(header));
   * ```
   */
  keysNow(header: JWSHeaderParameters): readonly CryptoKey[] | undefined {
    const kid = header.kid;
    if (this.#keySet === undefined || typeof header.alg !== 'string' || (kid !== undefined && typeof kid !== 'string')) return undefined;
    const found = this.#found.get(header.alg)?.get(kid);
    if (found !== undefined) this.#refreshIfStale();
    return found;
  }

  /** Fetches the keys now (sharing a fetch already running). Never rejects; failures are counted and kept. */
  reload(): Promise<void> {
    return this.#refetch();
  }

  /**
   * Fetches the keys again unless the last attempt is younger than the
   * cooldown (sharing a fetch already running): for callers anyone may
   * trigger, such as `/readyz`, which must not turn into one IdP request each.
   */
  retryIfDue(): Promise<void> {
    if (this.#inflight) return this.#inflight;
    return this.#mayFetch() ? this.#refetch() : Promise.resolve();
  }

  async #ensureKeys(): Promise<void> {
    if (this.#keySet === undefined) {
      if (this.#inflight) await this.#inflight;
      else if (this.#mayFetch()) await this.#refetch();
      if (this.#keySet === undefined) {
        const where = this.#lastUri ? ` from ${this.#lastUri}` : '';
        throw new InvalidTokenError(
          'ERR_JWKS_UNAVAILABLE',
          `The issuer's signing keys could not be fetched${where}: ${this.#lastFailure ?? 'no attempt yet'}. ` +
            'Check that the JWKS URL (the issuer\'s jwks_uri, or OAUTH_JWKS_URL) is reachable from this server.',
        );
      }
    } else {
      this.#refreshIfStale();
    }
  }

  /** Stale keys keep serving while one background refetch runs. */
  #refreshIfStale(): void {
    if (this.#now() - this.#fetchedAt >= this.#maxAgeMs && !this.#inflight && this.#mayFetch()) void this.#refetch();
  }

  #mayFetch(): boolean {
    return this.#now() - this.#lastAttemptAt >= this.#cooldownMs;
  }

  async #lookup(header: JWSHeaderParameters): Promise<CryptoKey[] | undefined> {
    const keySet = this.#keySet;
    if (!keySet) return undefined;
    let keys: CryptoKey[];
    try {
      keys = [await keySet(header)];
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (code === 'ERR_JWKS_NO_MATCHING_KEY') return undefined;
      if (code !== 'ERR_JWKS_MULTIPLE_MATCHING_KEYS') throw err;
      keys = [];
      for await (const key of err as AsyncIterable<CryptoKey>) keys.push(key);
      if (keys.length === 0) return undefined;
    }
    this.#remember(keySet, header, keys);
    return keys;
  }

  /** jose picks keys by `alg` and a string `kid` alone (jwks/local.js), so its answer holds for the same pair while the set stays. */
  #remember(keySet: LocalKeySet, header: JWSHeaderParameters, keys: CryptoKey[]): void {
    const { alg, kid } = header;
    if (keySet !== this.#keySet || typeof alg !== 'string' || (kid !== undefined && typeof kid !== 'string')) return;
    let byKid = this.#found.get(alg);
    if (byKid === undefined) this.#found.set(alg, (byKid = new Map()));
    byKid.set(kid, Object.freeze([...keys]));
  }

  #refetch(): Promise<void> {
    this.#inflight ??= this.#fetchOnce().finally(() => {
      this.#inflight = undefined;
    });
    return this.#inflight;
  }

  async #fetchOnce(): Promise<void> {
    this.#lastAttemptAt = this.#now();
    let uri: string;
    try {
      uri = await this.#jwksUri();
    } catch (err) {
      this.#lastFailure = err instanceof Error ? err.message : String(err);
      return;
    }
    this.#lastUri = uri;
    this.counters.fetches++;
    const failure = await this.#download(uri);
    if (failure !== undefined) {
      this.counters.failures++;
      this.#lastFailure = failure;
    }
  }

  /** Fetches and stores the key set; returns why not, on failure. */
  async #download(uri: string): Promise<string | undefined> {
    let status: number;
    let body: string;
    try {
      const result = await fetchText(uri, { headers: { accept: 'application/json, application/jwk-set+json' } }, {
        fetch: this.#fetch,
        timeoutMs: this.#timeoutMs,
      });
      status = result.response.status;
      body = result.body;
    } catch (err) {
      return describeFetchFailure(err, this.#timeoutMs);
    }
    if (status !== 200) return `HTTP ${status}`;
    const json = parseJson(body);
    if (!isJsonObject(json) || !Array.isArray(json.keys)) return 'the response is not a JSON Web Key Set';
    // A set with nothing to verify with would refuse every token: keep the last good keys instead.
    if (!json.keys.some(isSigningKey)) {
      return json.keys.length === 0 ? 'the key set has no keys' : `none of the ${json.keys.length} keys in the set is a signing key`;
    }
    let keySet: LocalKeySet;
    try {
      keySet = createLocalJWKSet(json as unknown as JSONWebKeySet);
    } catch {
      return 'the response is not a valid JSON Web Key Set';
    }
    this.#keySet = keySet;
    this.#found = new Map();
    this.#jwks = json as unknown as JSONWebKeySet;
    this.#fetchedAt = this.#now();
    this.#generation++;
    this.#lastFailure = undefined;
    return undefined;
  }

  #noMatchingKey(header: JWSHeaderParameters, why: string): InvalidTokenError {
    const kid = header.kid === undefined ? 'no kid' : `kid ${printable(header.kid)}`;
    return new InvalidTokenError(
      'ERR_JWKS_NO_MATCHING_KEY',
      `No key in the issuer's JWKS${this.#lastUri ? ` (${this.#lastUri})` : ''} matches the token (${kid}, alg ${printable(header.alg)}), ${why}. ` +
        'The token was signed by another issuer or with a key the issuer no longer publishes.',
    );
  }
}

/** A key that may verify a signature: has a key type, and is not marked for encryption only. */
function isSigningKey(key: unknown): boolean {
  return isJsonObject(key) && typeof key.kty === 'string' && (key.use === undefined || key.use === 'sig');
}

/** A header value for a message: quoted, printable, short (it is attacker-controlled). */
function printable(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  const safe = text.replace(/[^\x20-\x7e]/g, '?');
  return safe.length > 66 ? `${safe.slice(0, 63)}...` : safe;
}
