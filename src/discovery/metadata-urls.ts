/**
 * The well-known URLs where an issuer's metadata may live, in the order the
 * MCP authorization spec (2025-11-25) tells clients to try them, so Gatehouse
 * finds the same document the clients will.
 *
 * - Issuer with a path (`https://idp.example.com/t1`): RFC 8414 with path
 *   insertion, OIDC with path insertion, then OIDC with the path appended.
 * - Issuer without a path: RFC 8414, then OIDC.
 *
 * A terminating `/` of the issuer's path is removed first (RFC 8414 §3.1).
 *
 * @example
 * ```ts
 * metadataUrls('https://idp.example.com/t1');
 * // [ 'https://idp.example.com/.well-known/oauth-authorization-server/t1',
 * //   'https://idp.example.com/.well-known/openid-configuration/t1',
 * //   'https://idp.example.com/t1/.well-known/openid-configuration' ]
 * ```
 */
export function metadataUrls(issuer: string): string[] {
  const url = new URL(issuer);
  const origin = url.origin;
  const path = url.pathname.replace(/\/+$/, '');
  if (path === '') {
    return [`${origin}/.well-known/oauth-authorization-server`, `${origin}/.well-known/openid-configuration`];
  }
  return [
    `${origin}/.well-known/oauth-authorization-server${path}`,
    `${origin}/.well-known/openid-configuration${path}`,
    `${origin}${path}/.well-known/openid-configuration`,
  ];
}
