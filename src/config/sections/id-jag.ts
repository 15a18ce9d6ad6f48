import { z } from 'zod';
import { url } from '../fields.js';
import { json, list, num, type EnvTable, type ValueParser } from '../values.js';

/**
 * Enterprise-Managed Authorization (SEP-990): the enterprise identity
 * providers whose Identity Assertion JWT Authorization Grants (ID-JAGs) the
 * authority redeems with the RFC 7523 JWT bearer grant. Empty (the default):
 * the grant is not served at all.
 */

/** Asymmetric JWS algorithms an enterprise IdP may sign ID-JAGs with; never `none` or HMAC. */
export const ID_JAG_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;

/** One trusted enterprise IdP, when more than its issuer URL needs saying. */
export const idJagIssuerSchema = z.object({
  /** The IdP's issuer identifier: the exact `iss` of its ID-JAGs; its keys are found by discovery from it. */
  issuer: url('authority.idJag.issuers[].issuer'),
  /** The IdP's JWKS URL, instead of the `jwks_uri` of its metadata. */
  jwksUri: url('authority.idJag.issuers[].jwksUri').optional(),
  /**
   * The ID-JAG claim that names the user here (`email`, `preferred_username`).
   * Unset: `<issuer>#<sub>`, so users of two IdPs never share a name.
   */
  subjectClaim: z.string().min(1).optional(),
  /** The algorithms its ID-JAGs may be signed with. */
  algorithms: z.array(z.enum(ID_JAG_ALGORITHMS)).min(1).default(['RS256', 'PS256', 'ES256', 'EdDSA']),
});

export const idJagSchema = z.object({
  /** Trusted enterprise IdPs: issuer URLs, or objects for more settings. */
  issuers: z.array(z.union([url('authority.idJag.issuers[]'), idJagIssuerSchema])).default([]),
  /** The longest lifetime (`exp` - `iat`) an ID-JAG may have; the drafts expect minutes. */
  maxLifetimeSec: z.number().int().min(30).max(3600).default(300),
  /** Clock difference tolerated on `exp` and `iat`. */
  clockSkewSec: z.number().int().min(0).max(300).default(30),
});

/**
 * `GATEHOUSE_ID_JAG_ISSUERS`: issuer URLs separated by commas or spaces, or
 * a JSON array (of URLs or `{ "issuer": ..., "subjectClaim": ... }` objects).
 *
 * @example
 * ```ts
 * issuerList('https://acme.okta.com, https://sso.acme.com/realms/main', 'GATEHOUSE_ID_JAG_ISSUERS'); // two URLs
 * ```
 */
export const issuerList: ValueParser = (value, from) => (value.trim().startsWith('[') ? json(value, from) : list(value, from));

/** Env vars of `authority.idJag`, by setting path. */
export const ID_JAG_ENV: EnvTable = {
  'authority.idJag.issuers': ['GATEHOUSE_ID_JAG_ISSUERS', issuerList],
  'authority.idJag.maxLifetimeSec': ['GATEHOUSE_ID_JAG_MAX_LIFETIME', num],
  'authority.idJag.clockSkewSec': ['GATEHOUSE_ID_JAG_CLOCK_SKEW', num],
};

/** One trusted IdP with its defaults filled in. */
export type IdJagIssuer = z.output<typeof idJagIssuerSchema>;
/** The ID-JAG settings with defaults filled in. */
export type IdJagConfig = z.output<typeof idJagSchema>;
