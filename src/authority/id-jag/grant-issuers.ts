import type { StoreFactory } from '../stores/types.js';

/**
 * Which enterprise IdP vouched for the user of a grant made for an ID-JAG,
 * kept in the authority's store (so every instance sharing it knows) for as
 * long as the grant lives. Only read for a grant whose client may refresh:
 * the token the refresh grant issues is built by oidc-provider, which has no
 * place for the IdP, and must still carry `enterprise_iss` (the gate's
 * live-grant check tells an enterprise user from a local one by it).
 */

/** The store model of the records. */
export const GRANT_ISSUER_MODEL = 'IdJagGrantIssuer';

/** The enterprise IdPs of ID-JAG grants. */
export interface GrantIssuers {
  /** Records the IdP of a new grant, for `expiresInSec` (the grant's own lifetime). */
  record(grantId: string, issuer: string, expiresInSec: number): Promise<void>;
  /** The IdP of a grant, or `undefined` when none was recorded (or it expired). */
  issuerOf(grantId: string): Promise<string | undefined>;
}

/**
 * Grant issuers over the authority's store.
 *
 * @example
 * ```ts
 * const grants = grantIssuers(store);
 * await grants.record(grantId, 'https://acme.okta.com', config.authority.refreshTokenTtlSec);
 * await grants.issuerOf(grantId); // 'https://acme.okta.com'
 * ```
 */
export function grantIssuers(store: StoreFactory): GrantIssuers {
  const records = store(GRANT_ISSUER_MODEL);
  return {
    async record(grantId, issuer, expiresInSec) {
      await records.upsert(grantId, { issuer }, Math.max(1, expiresInSec));
    },
    async issuerOf(grantId) {
      const found = await records.find(grantId);
      return typeof found?.issuer === 'string' ? found.issuer : undefined;
    },
  };
}
