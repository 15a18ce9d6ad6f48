/**
 * Information about a verified access token, in the MCP SDK's shape
 * (`@modelcontextprotocol/sdk/server/auth/types.js`), so tool handlers read it
 * from `extra.authInfo` unchanged. Declared here so the core needs no SDK.
 *
 * @example
 * ```ts
 * server.tool('whoami', async (_args, extra) => ({ content: [{ type: 'text', text: String(extra.authInfo?.extra?.sub) }] }));
 * ```
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

/**
 * What a verifier needs to know about the request being checked.
 *
 * @example
 * ```ts
 * await verifier.verify(token, { resource: 'https://mcp.example.com/mcp', audience: ['https://mcp.example.com/mcp'] });
 * ```
 */
export interface VerifyContext {
  /** The canonical resource URI of the protected endpoint for this request. */
  resource: string;
  /** Accepted `aud` values (the configured audience, else the resource URI). */
  audience: string[];
}

/**
 * Turns a bearer token into `AuthInfo`, or throws an `OAuthError`
 * (usually `InvalidTokenError`) with a stable `code`.
 *
 * @example
 * ```ts
 * const verifier: TokenVerifier = {
 *   async verify(token, { resource }) {
 *     if (token !== process.env.DEV_TOKEN) throw new InvalidTokenError('ERR_JWS_SIGNATURE_INVALID', 'Unknown token');
 *     return { token, clientId: 'dev', scopes: ['mcp'], resource: new URL(resource) };
 *   },
 * };
 * const gate = createGatehouse(config, { verifier });
 * ```
 */
export interface TokenVerifier {
  verify(token: string, context: VerifyContext): Promise<AuthInfo>;
}
