import { base64url } from 'jose';
import { InvalidTokenError } from '../errors.js';
import { describeFetchFailure, fetchText, isJsonObject, parseJson } from '../discovery/http.js';
import { claimsToAuthInfo } from './claims.js';
import { audienceMismatch, expired, issuerMismatch, notYetValid, senderConstrained } from './claim-errors.js';
import { TtlCache } from './ttl-cache.js';
import type { AuthInfo, TokenVerifier, VerifyContext } from './types.js';

/** Options of `createIntrospectionVerifier`. */
export interface IntrospectionVerifierOptions {
  /** The RFC 7662 endpoint; asked on every introspection so it can follow upstream metadata. */
  endpoint: () => string | undefined;
  /** This server's credentials at the authorization server (sent with `client_secret_basic`). */
  clientId: string;
  clientSecret: string;
  /** The expected `iss`, checked when the response has one. */
  issuer: () => string | undefined;
  /** Seconds an active result is reused (never beyond the token's `exp`). 0 turns caching off. */
  cacheTtlSec: number;
  /** Most results kept; least recently used go first. */
  cacheMaxEntries: number;
  /** Seconds an inactive result is reused, to blunt floods of bad tokens. Default 5. */
  inactiveCacheSec?: number;
  /** Seconds of clock skew tolerated on `exp` and `nbf`. Default 30. */
  clockToleranceSec?: number;
  /** Milliseconds before an introspection request is abandoned. Default 5000. */
  timeoutMs?: number;
  /** A `fetch` to use instead of the global one. */
  fetch?: typeof fetch;
}

/** A verifier with a count of introspection requests, for tests and benchmarks. */
export interface IntrospectionVerifier extends TokenVerifier {
  readonly counters: { requests: number };
}

type IntrospectionResult = { active: true; claims: Record<string, unknown> } | { active: false };

const encoder = new TextEncoder();

/** RFC 6749 §2.3.1: client credentials are form-encoded before Basic encoding. */
const formEncode = (value: string) => encodeURIComponent(value).replace(/%20/g, '+');

/**
 * A verifier for opaque tokens, asking the authorization server (RFC 7662).
 * Results are cached by the token's SHA-256 (the raw token is never a key),
 * concurrent introspections of one token share a request, and `iss`, `aud`,
 * `exp`, `nbf` in the response are checked like a JWT's.
 *
 * @example
 * ```ts
 * const verifier = createIntrospectionVerifier({
 *   endpoint: () => 'https://idp.example.com/introspect', clientId: 'gatehouse', clientSecret: 's3cret',
 *   issuer: () => 'https://idp.example.com', cacheTtlSec: 60, cacheMaxEntries: 10_000,
 * });
 * const info = await verifier.verify(token, { resource: 'https://mcp.example.com/mcp', audience: ['https://mcp.example.com/mcp'] });
 * ```
 */
export function createIntrospectionVerifier(options: IntrospectionVerifierOptions): IntrospectionVerifier {
  const cache = new TtlCache<IntrospectionResult>(options.cacheMaxEntries);
  const inflight = new Map<string, Promise<IntrospectionResult>>();
  const counters = { requests: 0 };
  const tolerance = options.clockToleranceSec ?? 30;
  const timeoutMs = options.timeoutMs ?? 5000;
  const inactiveTtlMs = Math.min(options.inactiveCacheSec ?? 5, options.cacheTtlSec) * 1000;
  const authorization = `Basic ${btoa(`${formEncode(options.clientId)}:${formEncode(options.clientSecret)}`)}`;

  async function introspect(token: string): Promise<IntrospectionResult> {
    const endpoint = options.endpoint();
    if (!endpoint) {
      throw new InvalidTokenError(
        'ERR_INTROSPECTION_FAILED',
        'No introspection endpoint: the issuer\'s metadata has no introspection_endpoint; set OAUTH_INTROSPECTION_URL',
      );
    }
    counters.requests++;
    let status: number;
    let body: string;
    try {
      const result = await fetchText(
        endpoint,
        {
          method: 'POST',
          headers: { authorization, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
          body: new URLSearchParams({ token, token_type_hint: 'access_token' }).toString(),
        },
        { fetch: options.fetch, timeoutMs },
      );
      status = result.response.status;
      body = result.body;
    } catch (err) {
      throw failed(`The introspection endpoint ${endpoint} could not be reached: ${describeFetchFailure(err, timeoutMs)}`);
    }
    if (status !== 200) {
      const hint = status === 401 || status === 403 ? ' (check OAUTH_INTROSPECTION_CLIENT_ID and OAUTH_INTROSPECTION_CLIENT_SECRET)' : '';
      throw failed(`The introspection endpoint ${endpoint} failed with status ${status}${hint}`);
    }
    const json = parseJson(body);
    if (!isJsonObject(json)) throw failed(`The introspection endpoint ${endpoint} did not return a JSON object`);
    return json.active === true ? { active: true, claims: json } : { active: false };
  }

  async function lookup(token: string): Promise<IntrospectionResult> {
    const key = await sha256(token);
    const cached = cache.get(key);
    if (cached) return cached;
    let pending = inflight.get(key);
    if (!pending) {
      pending = introspect(token)
        .then((result) => {
          cache.set(key, result, ttlMs(result));
          return result;
        })
        .finally(() => inflight.delete(key));
      inflight.set(key, pending);
    }
    return pending;
  }

  function ttlMs(result: IntrospectionResult): number {
    if (!result.active) return inactiveTtlMs;
    const exp = result.claims.exp;
    const untilExpiry = typeof exp === 'number' ? exp * 1000 - Date.now() : Infinity;
    return Math.min(options.cacheTtlSec * 1000, untilExpiry);
  }

  function check(claims: Record<string, unknown>, context: VerifyContext): void {
    const now = Date.now() / 1000;
    const issuer = options.issuer();
    if (claims.iss !== undefined && issuer !== undefined && claims.iss !== issuer) throw issuerMismatch(issuer, claims.iss);
    if (claims.aud !== undefined && !audienceMatches(claims.aud, context.audience)) throw audienceMismatch(context.audience, claims.aud);
    if (typeof claims.exp === 'number' && claims.exp <= now - tolerance) throw expired(claims.exp, tolerance);
    if (typeof claims.nbf === 'number' && claims.nbf > now + tolerance) throw notYetValid(claims.nbf, tolerance);
    if (claims.token_type === 'refresh_token') throw inactive('it is a refresh token, not an access token');
    if (claims.cnf !== undefined) throw senderConstrained();
  }

  return {
    counters,
    async verify(token: string, context: VerifyContext): Promise<AuthInfo> {
      try {
        const result = await lookup(token);
        if (!result.active) throw inactive('revoked, expired or unknown to the issuer');
        check(result.claims, context);
        return claimsToAuthInfo(token, result.claims, context.resource);
      } catch (err) {
        if (err instanceof InvalidTokenError) throw err;
        throw new InvalidTokenError('ERR_VERIFICATION_FAILED', 'Token introspection failed unexpectedly; see the server log', { cause: err });
      }
    },
  };
}

function audienceMatches(aud: unknown, accepted: readonly string[]): boolean {
  if (typeof aud === 'string') return accepted.includes(aud);
  return Array.isArray(aud) && aud.some((a) => typeof a === 'string' && accepted.includes(a));
}

function inactive(why: string): InvalidTokenError {
  return new InvalidTokenError('ERR_TOKEN_INACTIVE', `Token is not active: ${why}`);
}

function failed(message: string): InvalidTokenError {
  return new InvalidTokenError('ERR_INTROSPECTION_FAILED', message);
}

async function sha256(token: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', encoder.encode(token));
  return base64url.encode(new Uint8Array(digest));
}
