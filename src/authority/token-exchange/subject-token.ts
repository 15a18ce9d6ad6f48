import type Provider from 'oidc-provider';
import type { GatehouseConfig } from '../../config/schema.js';
import { GatehouseError } from '../../errors.js';
import type { TokenVerifier } from '../../tokens/types.js';
import type { AuthorityKeys } from '../keys/index.js';
import { GRANT_CLAIM, requireLiveGrant, type LiveGrantOptions } from '../live-grants.js';
import { ownAccessTokenVerifier } from '../own-tokens.js';
import { ENTERPRISE_ISSUER_CLAIM } from '../id-jag/token-claims.js';
import { mcpResourceUri } from '../provider/resource-indicators.js';

/**
 * The subject token of an exchange must be an access token this authority
 * issued for its MCP resource, to a user (it has a grant), unexpired and
 * not revoked. A token for a downstream API (an earlier exchange's result)
 * is refused: exchanges do not chain.
 */

/** The parts of a verified subject token the exchange needs. */
export interface SubjectClaims {
  sub: string;
  scopes: string[];
  /** Expiry, seconds since the epoch. */
  exp: number;
  /** The grant behind the token: the user's consent to the MCP client. */
  grantId: string;
  /** The enterprise IdP behind a token issued for an ID-JAG (`enterprise_iss`); the exchanged token keeps naming it. */
  enterpriseIssuer?: string;
}

/** A subject token that cannot be exchanged; `description` is safe to send to the client. */
export class SubjectTokenError extends Error {
  constructor(readonly description: string, options?: { cause?: unknown }) {
    super(description, options);
  }
}

/** Short reasons: the acting client learns why, not how the check works. */
function reasonFor(err: unknown): string {
  const code = err instanceof GatehouseError ? err.code : undefined;
  switch (code) {
    case 'ERR_JWT_EXPIRED':
      return 'subject_token has expired';
    case 'ERR_TOKEN_INACTIVE':
      return 'subject_token was revoked';
    case 'ERR_JWT_AUDIENCE_MISMATCH':
      return "subject_token is not an access token for this server's MCP resource";
    case 'ERR_JWS_SIGNATURE_INVALID':
    case 'ERR_JWKS_NO_MATCHING_KEY':
    case 'ERR_JWT_ISSUER_MISMATCH':
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return 'subject_token was not issued by this authorization server';
    default:
      return 'subject_token is not a valid access token of this authorization server';
  }
}

/** Verifies subject tokens with the authority's own keys, in process. */
export interface SubjectTokenVerifier {
  verify(token: string): Promise<SubjectClaims>;
}

/**
 * Builds the subject-token check from the authority's keys and provider (for
 * the grant lookup that makes revocation count).
 *
 * @example
 * ```ts
 * const subjects = subjectTokenVerifier(config, keys, provider);
 * const { sub, scopes } = await subjects.verify(params.subject_token); // throws SubjectTokenError
 * ```
 */
export function subjectTokenVerifier(config: GatehouseConfig, keys: AuthorityKeys, provider: Provider, live: Pick<LiveGrantOptions, 'accountIsActive'> = {}): SubjectTokenVerifier {
  const resource = mcpResourceUri(config);
  // A removed user's token is no more exchangeable than it is usable at the gate.
  const verifier: TokenVerifier = requireLiveGrant(ownAccessTokenVerifier(config, keys), provider, live);
  return {
    async verify(token) {
      let claims: Record<string, unknown>;
      let scopes: string[];
      try {
        const authInfo = await verifier.verify(token, { resource, audience: [resource] });
        claims = (authInfo.extra?.claims ?? {}) as Record<string, unknown>;
        scopes = authInfo.scopes;
      } catch (err) {
        throw new SubjectTokenError(reasonFor(err), { cause: err });
      }
      const grantId = claims[GRANT_CLAIM];
      if (typeof claims.sub !== 'string' || typeof grantId !== 'string' || grantId === '') {
        throw new SubjectTokenError('subject_token names no user (a client-credentials token): there is nobody to act on behalf of');
      }
      if (claims.act !== undefined) throw new SubjectTokenError('subject_token is itself the result of an exchange');
      // Signed by this authority, so the enterprise IdP it names is the one that vouched for the user.
      const enterpriseIssuer = claims[ENTERPRISE_ISSUER_CLAIM];
      return { sub: claims.sub, scopes, exp: claims.exp as number, grantId, ...(typeof enterpriseIssuer === 'string' ? { enterpriseIssuer } : {}) };
    },
  };
}
