import { fetchIssuerMetadata } from '../discovery/fetch-metadata.js';
import { describeFetchFailure } from '../discovery/http.js';
import { TokenExchangeError } from '../errors.js';
import { cacheKey, ExchangeCache, subjectExpiry } from './cache.js';
import { clientAuthenticator } from './client-auth.js';
import { grantParameters, normaliseRequest } from './request.js';
import { readTokenResponse } from './response.js';
import type { AuthInfo } from '../tokens/types.js';
import type { ClientAuthMethod, ExchangedToken, ExchangeRequest, SubjectToken, TokenExchange, TokenExchangeOptions } from './types.js';

const DEFAULT_TIMEOUT_MS = 5000;
const DEFAULT_MAX_ENTRIES = 10_000;
const DEFAULT_REFRESH_SKEW_SEC = 30;

function defaultAuthMethod(options: TokenExchangeOptions): ClientAuthMethod {
  if (options.authMethod) return options.authMethod;
  if (options.privateKeyJwt) return 'private_key_jwt';
  // Entra ID's own examples send the secret in the body.
  return options.variant === 'entra-obo' ? 'client_secret_post' : 'client_secret_basic';
}

/**
 * A client for on-behalf-of calls from tool handlers. It trades the token
 * the MCP client sent (its audience is this MCP server) for a token whose
 * audience is a downstream API, authenticated as the MCP server's own
 * confidential client: RFC 8693 token exchange (Keycloak, Okta, Auth0,
 * Gatehouse's authority) or Entra ID's on-behalf-of flow. The caller's
 * token itself is never sent to the API.
 *
 * Tokens are cached per (subject token, audience, resource, scope) until
 * shortly before they expire, identical concurrent requests are sent once,
 * and every failure is a `TokenExchangeError`.
 *
 * @example
 * ```ts
 * const tokens = createTokenExchange({ issuer: 'https://idp.example.com', clientId: 'mcp-server', clientSecret: process.env.MCP_CLIENT_SECRET });
 * server.registerTool('orders', {}, async (extra) => {
 *   const token = await tokens.tokenFor(extra.authInfo!, { audience: 'https://api.example.com', scope: 'orders:read' });
 *   const orders = await fetch('https://api.example.com/orders', { headers: { authorization: `Bearer ${token}` } });
 *   return { content: [{ type: 'text', text: await orders.text() }] };
 * });
 * ```
 */
export function createTokenExchange(options: TokenExchangeOptions): TokenExchange {
  if (!options.tokenEndpoint && !options.issuer) throw new TypeError('createTokenExchange: pass tokenEndpoint or issuer');
  const variant = options.variant ?? 'rfc8693';
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const doFetch = options.fetch ?? globalThis.fetch;
  const authenticate = clientAuthenticator({ ...options, authMethod: defaultAuthMethod(options) });
  const secrets = [options.clientSecret ?? ''];
  const cache = new ExchangeCache(
    options.cache === false
      ? { maxEntries: 0, refreshSkewSec: 0 }
      : { maxEntries: options.cache?.maxEntries ?? DEFAULT_MAX_ENTRIES, refreshSkewSec: options.cache?.refreshSkewSec ?? DEFAULT_REFRESH_SKEW_SEC },
  );

  let endpoint: Promise<string> | undefined = options.tokenEndpoint ? Promise.resolve(options.tokenEndpoint) : undefined;
  function tokenEndpoint(): Promise<string> {
    endpoint ??= discoverTokenEndpoint(options.issuer!, { fetch: options.fetch, timeoutMs }).catch((error: unknown) => {
      endpoint = undefined; // the next call tries again
      throw error;
    });
    return endpoint;
  }

  async function requestToken(subjectToken: string, params: URLSearchParams): Promise<ExchangedToken> {
    const url = await tokenEndpoint();
    const credentials = await authenticate(url);
    for (const [name, value] of Object.entries(credentials.params)) params.set(name, value);
    let status: number;
    let text: string;
    try {
      const response = await doFetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', ...credentials.headers },
        body: params.toString(),
        redirect: 'error',
        signal: AbortSignal.timeout(timeoutMs),
      });
      status = response.status;
      text = await response.text();
    } catch (cause) {
      throw new TokenExchangeError('ERR_TOKEN_EXCHANGE_FAILED', `Token exchange at ${url} failed: ${describeFetchFailure(cause, timeoutMs)}`, { cause });
    }
    return readTokenResponse(status, text, { endpoint: url, subjectToken, secrets });
  }

  async function exchange(given: SubjectToken, request: ExchangeRequest): Promise<ExchangedToken> {
    const subject = options.subjectFrom ? await subjectOf(given) : given;
    const subjectToken = typeof subject === 'string' ? subject : subject?.token;
    if (typeof subjectToken !== 'string' || subjectToken === '') {
      throw new TypeError('Token exchange needs the caller\'s token: pass extra.authInfo from a request that came through the gate');
    }
    const normalised = normaliseRequest(request, variant);
    const subjectExp = subjectExpiry(subjectToken, typeof subject === 'string' ? undefined : subject.expiresAt);
    // Only while a request is under way is the raw token part of a key; the cache keeps its digest.
    const flightKey = JSON.stringify([subjectToken, normalised.audiences, normalised.resources, normalised.scopes]);
    return cache.get(
      flightKey,
      () => cacheKey(subjectToken, normalised),
      subjectExp,
      () => requestToken(subjectToken, grantParameters(variant, subjectToken, normalised, options.subjectTokenType)),
    );
  }

  /** The subject token `subjectFrom` finds for a tool's `AuthInfo` (in broker mode, the user's upstream token). */
  function subjectOf(given: SubjectToken): Promise<SubjectToken> {
    if (typeof given === 'string' || typeof given !== 'object' || given === null) {
      throw new TypeError('This token exchange finds the subject token from the caller\'s AuthInfo: pass extra.authInfo, not a token');
    }
    return options.subjectFrom!(given as AuthInfo);
  }

  return {
    exchange,
    async tokenFor(subject, request) {
      return (await exchange(subject, request)).accessToken;
    },
    get stats() {
      return { ...cache.stats };
    },
    clear() {
      cache.clear();
    },
  };
}

async function discoverTokenEndpoint(issuer: string, options: { fetch?: typeof fetch; timeoutMs: number }): Promise<string> {
  let tokenEndpoint: unknown;
  try {
    ({ metadata: { token_endpoint: tokenEndpoint } } = await fetchIssuerMetadata(issuer, options));
  } catch (cause) {
    // The discovery error names every URL tried and why each failed: keep it, and add the way around discovery.
    const why = cause instanceof Error ? cause.message : String(cause);
    throw new TokenExchangeError(
      'ERR_TOKEN_EXCHANGE_FAILED',
      `Token exchange: the token endpoint of ${issuer} is unknown because its metadata could not be read. ${why}\nOr set tokenEndpoint (OAUTH_EXCHANGE_TOKEN_URL) to skip discovery.`,
      { cause },
    );
  }
  if (typeof tokenEndpoint !== 'string' || !URL.canParse(tokenEndpoint)) {
    throw new TokenExchangeError('ERR_TOKEN_EXCHANGE_FAILED', `Token exchange: the metadata of ${issuer} names no token_endpoint; set tokenEndpoint (OAUTH_EXCHANGE_TOKEN_URL)`);
  }
  return tokenEndpoint;
}
