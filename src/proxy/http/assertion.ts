import { randomUUID } from 'node:crypto';
import { SignJWT, importJWK, type JWK } from 'jose';
import type { AuthInfo } from '../../tokens/types.js';

/**
 * The identity assertion: a short-lived JWT Gatehouse signs for each caller,
 * sent to the upstream in `X-Gatehouse-Assertion` instead of the client's
 * token. Its `typ` differs from an access token's (`at+jwt`), and its `aud`
 * is the upstream, so it can never be replayed to Gatehouse as a token.
 */

/** The `typ` header of every identity assertion. */
export const ASSERTION_TYPE = 'gatehouse-identity+jwt';

/** Options of {@link createAssertionSigner}. */
export interface AssertionSignerOptions {
  /** A private JWK with `alg` and `kid`. */
  key: JWK;
  /** `iss`: the Gatehouse issuer (authority mode) or public origin (resource-server mode). */
  issuer: string;
  /** `aud`: the upstream's URL. */
  audience: string;
  /** Lifetime in seconds. Default 60. */
  ttlSec?: number;
  /** Bound on cached assertions (one per caller identity). Default 10,000. */
  maxEntries?: number;
}

/** Signs identity assertions. */
export interface AssertionSigner {
  /** An assertion for this caller, valid for at least half of `ttlSec`. */
  sign(authInfo: AuthInfo): Promise<string>;
  /**
   * The assertion {@link sign} would answer with, synchronously, when one is
   * signed and still within its reuse time; otherwise `undefined` (call `sign`).
   * Lets a proxy skip a promise per request on the common path.
   */
  cached?(authInfo: AuthInfo): string | undefined;
  readonly kid: string;
  readonly algorithm: string;
}

interface Cached {
  jwt: Promise<string>;
  /** The signed assertion, once `jwt` has resolved. */
  signed?: string;
  /** Reuse until this time (ms): half the lifetime, so the upstream always gets a fresh-enough one. */
  reuseUntil: number;
}

function subjectOf(authInfo: AuthInfo): string | null {
  const sub = authInfo.extra?.sub;
  return typeof sub === 'string' ? sub : null;
}

function identityKey(authInfo: AuthInfo): string {
  return JSON.stringify([subjectOf(authInfo), authInfo.clientId, authInfo.scopes]);
}

/** The caller of the last cache hit, compared field by field: a run of one caller's requests builds no key. */
interface LastHit {
  sub: string | null;
  clientId: string;
  scopes: readonly string[];
  entry: Cached;
}

function sameCaller(last: LastHit, authInfo: AuthInfo): boolean {
  const { scopes } = authInfo;
  if (last.clientId !== authInfo.clientId || last.sub !== subjectOf(authInfo) || last.scopes.length !== scopes.length) return false;
  for (let i = 0; i < scopes.length; i++) if (last.scopes[i] !== scopes[i]) return false;
  return true;
}

/**
 * Builds the signer. Assertions are cached per caller (subject, client,
 * scopes) for half their lifetime: a signature per request would cost more
 * than the proxying itself.
 *
 * Claims: `iss`, `aud`, `sub` (when the token has one), `client_id`,
 * `scope` (space-separated), `iat`, `exp`, `jti`.
 *
 * @example
 * ```ts
 * const signer = await createAssertionSigner({ key: privateJwk, issuer: 'https://mcp.example.com', audience: 'http://127.0.0.1:8080/mcp' });
 * headers['x-gatehouse-assertion'] = await signer.sign(req.auth);
 * ```
 */
export async function createAssertionSigner(options: AssertionSignerOptions): Promise<AssertionSigner> {
  const { key: jwk, issuer, audience } = options;
  if (!jwk.alg || !jwk.kid) throw new TypeError('the assertion key needs "alg" and "kid"');
  const alg = jwk.alg;
  const kid = jwk.kid;
  const key = await importJWK(jwk, alg);
  const ttlSec = options.ttlSec ?? 60;
  const maxEntries = options.maxEntries ?? 10_000;
  const cache = new Map<string, Cached>();

  async function signFresh(authInfo: AuthInfo): Promise<string> {
    const sub = authInfo.extra?.sub;
    const jwt = new SignJWT({ client_id: authInfo.clientId, scope: authInfo.scopes.join(' ') })
      .setProtectedHeader({ alg, kid, typ: ASSERTION_TYPE })
      .setIssuer(issuer)
      .setAudience(audience)
      .setIssuedAt()
      .setExpirationTime(`${ttlSec}s`)
      .setJti(randomUUID());
    if (typeof sub === 'string') jwt.setSubject(sub);
    return jwt.sign(key);
  }

  function sign(authInfo: AuthInfo): Promise<string> {
    const id = identityKey(authInfo);
    const now = Date.now();
    const hit = cache.get(id);
    if (hit && hit.reuseUntil > now) return hit.jwt;
    if (cache.size >= maxEntries) {
      // Drop the oldest entry (Map keeps insertion order).
      const oldest = cache.keys().next().value;
      if (oldest !== undefined) cache.delete(oldest);
    }
    const jwt = signFresh(authInfo);
    const entry: Cached = { jwt, reuseUntil: now + (ttlSec * 1000) / 2 };
    cache.delete(id);
    cache.set(id, entry);
    jwt.then(
      (signed) => void (entry.signed = signed),
      () => cache.get(id) === entry && cache.delete(id),
    );
    return jwt;
  }

  let last: LastHit | undefined = undefined;

  function cached(authInfo: AuthInfo): string | undefined {
    const now = Date.now();
    if (last !== undefined && last.entry.reuseUntil > now && sameCaller(last, authInfo)) return last.entry.signed;
    const hit = cache.get(identityKey(authInfo));
    if (hit?.signed === undefined || hit.reuseUntil <= now) return undefined;
    last = { sub: subjectOf(authInfo), clientId: authInfo.clientId, scopes: [...authInfo.scopes], entry: hit };
    return hit.signed;
  }

  return { sign, cached, kid, algorithm: alg };
}
