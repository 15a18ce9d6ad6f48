/**
 * Information about a verified access token, in the MCP SDK's shape
 * (`@modelcontextprotocol/sdk/server/auth/types.js`), so tool handlers read it
 * from `extra.authInfo` unchanged. Declared here so the core needs no SDK.
 */
export interface AuthInfo {
  /** The access token itself. */
  token: string;
  /** The OAuth client the token was issued to (`client_id`, `azp` or `cid`). */
  clientId: string;
  /** Granted scopes (`scope` or `scp`, string or array). */
  scopes: string[];
  /** Expiry, in seconds since the epoch. */
  expiresAt?: number;
  /** The resource (RFC 8707) the token was accepted for: this server's resource URI. */
  resource?: URL;
  /** Everything else: `sub`, `iss`, `aud`, the raw claims under `claims`. */
  extra?: Record<string, unknown>;
}

/** What a verifier needs to know about the request being checked. */
export interface VerifyContext {
  /** The canonical resource URI of the protected endpoint for this request. */
  resource: string;
  /** Accepted `aud` values (the configured audience, else the resource URI). */
  audience: string[];
}

/**
 * Turns a bearer token into `AuthInfo`, or throws an `OAuthError`
 * (usually `InvalidTokenError`) with a stable `code`.
 */
export interface TokenVerifier {
  verify(token: string, context: VerifyContext): Promise<AuthInfo>;
}
