import { importJWK, SignJWT, type CryptoKey } from 'jose';
import { activeSigningKey, type AuthorityKeys } from '../keys/index.js';
import { ENTERPRISE_ISSUER_CLAIM } from '../id-jag/token-claims.js';
import { GRANT_CLAIM } from '../live-grants.js';

/**
 * The token an exchange issues: an RFC 9068 JWT access token signed with
 * the authority's active key, for the downstream audience, naming the user
 * (`sub`) and the acting client (`client_id` and `act`, RFC 8693 §4.1), so
 * the API sees both who is calling and on whose behalf.
 */

/** What goes into an exchanged token. */
export interface ExchangedClaims {
  issuer: string;
  sub: string;
  audience: string;
  actingClientId: string;
  scopes: readonly string[];
  grantId: string;
  /** The enterprise IdP of a subject token issued for an ID-JAG: the API downstream tells an enterprise user as the MCP server could. */
  enterpriseIssuer?: string;
  /** Lifetime in seconds, already capped by the subject token's expiry. */
  ttlSec: number;
}

/** Signs exchanged tokens. */
export type TokenSigner = (claims: ExchangedClaims) => Promise<{ token: string; expiresIn: number }>;

/**
 * A signer with the key oidc-provider signs access tokens with: the first
 * key of the first configured algorithm, so the API verifies exchanged
 * tokens with the same published JWKS as every other token.
 *
 * @example
 * ```ts
 * const sign = exchangedTokenSigner(keys);
 * const { token } = await sign({ issuer, sub: 'alice', audience: 'https://api.local', actingClientId: 'mcp-server', scopes: ['orders:read'], grantId, ttlSec: 300 });
 * ```
 */
export function exchangedTokenSigner(keys: AuthorityKeys): TokenSigner {
  // Asked per token: the active key changes when the key file is rotated while the authority runs.
  let imported: { kid: string; key: Promise<CryptoKey | Uint8Array> } | undefined;
  return async function signExchangedToken(claims) {
    const jwk = activeSigningKey(keys);
    if (imported?.kid !== jwk.kid) imported = { kid: jwk.kid, key: importJWK(jwk, jwk.alg) };
    const key = imported.key;
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({
      client_id: claims.actingClientId,
      scope: claims.scopes.join(' ') || undefined,
      act: { sub: claims.actingClientId },
      [GRANT_CLAIM]: claims.grantId,
      ...(claims.enterpriseIssuer === undefined ? {} : { [ENTERPRISE_ISSUER_CLAIM]: claims.enterpriseIssuer }),
    })
      .setProtectedHeader({ alg: jwk.alg, kid: jwk.kid, typ: 'at+jwt' })
      .setIssuer(claims.issuer)
      .setSubject(claims.sub)
      .setAudience(claims.audience)
      .setIssuedAt(now)
      .setExpirationTime(now + claims.ttlSec)
      .setJti(crypto.randomUUID())
      .sign(await key);
    return { token, expiresIn: claims.ttlSec };
  };
}
