import type { CryptoKey, JWK } from 'jose';
import type { AuthInfo } from '../tokens/types.js';

/**
 * RFC 8693 §2.1: the grant type of a token-exchange request.
 *
 * @example
 * ```ts
 * new URLSearchParams({ grant_type: TOKEN_EXCHANGE_GRANT, subject_token, subject_token_type: ACCESS_TOKEN_TYPE });
 * ```
 */
export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
/**
 * RFC 7523: the grant type of Entra ID's on-behalf-of request.
 *
 * @example
 * ```ts
 * new URLSearchParams({ grant_type: JWT_BEARER_GRANT, assertion: subjectToken, requested_token_use: 'on_behalf_of' });
 * ```
 */
export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
/**
 * RFC 8693 §3: an OAuth access token.
 *
 * @example
 * ```ts
 * if (body.issued_token_type === ACCESS_TOKEN_TYPE) useAsBearer(body.access_token);
 * ```
 */
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';
/**
 * RFC 8693 §3: a JWT (any kind).
 *
 * @example
 * ```ts
 * new URLSearchParams({ grant_type: TOKEN_EXCHANGE_GRANT, subject_token: idJag, subject_token_type: JWT_TOKEN_TYPE });
 * ```
 */
export const JWT_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:jwt';

/** How the MCP server's client authenticates at the token endpoint. */
export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt';

/** `rfc8693`: Keycloak, Okta, Auth0, Gatehouse's authority. `entra-obo`: Entra ID's on-behalf-of flow. */
export type ExchangeVariant = 'rfc8693' | 'entra-obo';

/** The key that signs client assertions (`private_key_jwt`, RFC 7523). */
export interface PrivateKeyJwtOptions {
  /** A `CryptoKey`, a private JWK, a JWK as JSON text, or a PKCS#8 PEM. */
  key: CryptoKey | JWK | string;
  /** The JWS algorithm, e.g. `RS256`, `ES256`. */
  alg: string;
  /** The key's id as registered at the authorization server. */
  kid?: string;
  /** More header parameters, e.g. `x5t` (the certificate thumbprint Entra ID asks for). */
  header?: Record<string, unknown>;
}

/** Options of `createTokenExchange`. */
export interface TokenExchangeOptions {
  /** The token endpoint. Either this or `issuer`. */
  tokenEndpoint?: string;
  /** The authorization server whose metadata names the token endpoint (fetched once, on first use). */
  issuer?: string;
  /** The MCP server's own confidential client. */
  clientId: string;
  clientSecret?: string;
  privateKeyJwt?: PrivateKeyJwtOptions;
  /** Default: `private_key_jwt` with `privateKeyJwt`, else `client_secret_basic` (`client_secret_post` for `entra-obo`). */
  authMethod?: ClientAuthMethod;
  /** Default `rfc8693`. */
  variant?: ExchangeVariant;
  /**
   * `subject_token_type` of RFC 8693 requests. Default: an access token. Auth0's
   * custom token exchange wants the type its profile declares.
   */
  subjectTokenType?: string;
  /**
   * Where the subject token comes from, given the `AuthInfo` a tool got. By
   * default it is the caller's own token. In broker mode, pass
   * `(authInfo) => authority.upstreamTokenFor(authInfo)`: the user's token at
   * the upstream (refreshed when it expired) is then the subject token or,
   * for `entra-obo`, the on-behalf-of assertion, since Entra ID exchanges
   * only tokens it issued. Tools call `tokenFor(extra.authInfo, ...)` either way.
   */
  subjectFrom?: (authInfo: AuthInfo) => Promise<SubjectToken>;
  /** A `fetch` to use instead of the global one. */
  fetch?: typeof fetch;
  /** Milliseconds before a request to the authorization server is abandoned. Default 5000. */
  timeoutMs?: number;
  /**
   * Exchanged tokens are reused per (subject token, audience, resource,
   * scope) until `refreshSkewSec` (default 30) before they expire, never past
   * the subject token's expiry. `false` turns caching off; identical
   * concurrent requests are still sent once.
   */
  cache?: { maxEntries?: number; refreshSkewSec?: number } | false;
}

/** What the downstream token is for. */
export interface ExchangeRequest {
  /** RFC 8693 `audience`: the downstream API's logical name or URI. */
  audience?: string | readonly string[];
  /** RFC 8693/8707 `resource`: the downstream API's absolute URI. */
  resource?: string | readonly string[];
  /** Scopes asked for; for `entra-obo`, e.g. `api://orders/.default`. */
  scope?: string | readonly string[];
}

/** The caller's token: the `AuthInfo` a tool handler gets (`extra.authInfo`), or the bare token. */
export type SubjectToken = string | (Pick<AuthInfo, 'token' | 'expiresAt'> & Partial<Omit<AuthInfo, 'token' | 'expiresAt'>>);

/** A token issued by the exchange, for the downstream API only. */
export interface ExchangedToken {
  accessToken: string;
  /** `Bearer`. */
  tokenType: string;
  /** RFC 8693 `issued_token_type`, when the server sent it (Entra ID does not). */
  issuedTokenType?: string;
  /** The scopes granted, when the server said. */
  scope?: string;
  /** Seconds left, at the time it was returned (less for a cached token). */
  expiresIn?: number;
  /** Expiry in seconds since the epoch, like `AuthInfo.expiresAt`. */
  expiresAt?: number;
}

/** Counters, for tests, benchmarks and metrics. */
export interface TokenExchangeStats {
  /** Requests sent to the token endpoint. */
  requests: number;
  /** Answers served from the cache. */
  cacheHits: number;
  /** Calls that joined an identical request already in flight. */
  coalesced: number;
}

/** A token-exchange client bound to one confidential client. */
export interface TokenExchange {
  /** A token for the downstream API, on behalf of the subject token's user. */
  tokenFor(subject: SubjectToken, request: ExchangeRequest): Promise<string>;
  /** The same, with the token's type, scope and expiry. */
  exchange(subject: SubjectToken, request: ExchangeRequest): Promise<ExchangedToken>;
  readonly stats: Readonly<TokenExchangeStats>;
  /** Forgets every cached token. */
  clear(): void;
}
