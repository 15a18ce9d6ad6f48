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

/** An issuer identifier (RFC 8414 §2): an http(s) URL without query or fragment, matched exactly against `iss`. */
const issuerUrl = (what: string) =>
  url(what).check((ctx) => {
    if (!URL.canParse(ctx.value)) return;
    const parsed = new URL(ctx.value);
    if (parsed.search !== '' || parsed.hash !== '' || /[?#]/.test(ctx.value)) {
      ctx.issues.push({ code: 'custom', input: ctx.value, message: `"${ctx.value}" has a query or fragment, which an issuer identifier never has (RFC 8414 §2): give the IdP's issuer exactly as its ID-JAGs' iss` });
    }
  });

/** One trusted enterprise IdP, when more than its issuer URL needs saying. */
export const idJagIssuerSchema = z.strictObject({
  /** The IdP's issuer identifier: the exact `iss` of its ID-JAGs; its keys are found by discovery from it. */
  issuer: issuerUrl('authority.idJag.issuers[].issuer'),
  /** The IdP's JWKS URL, instead of the `jwks_uri` of its metadata. */
  jwksUri: url('authority.idJag.issuers[].jwksUri').optional(),
  /**
   * The ID-JAG claim that names the user here (`email`, `preferred_username`).
   * Unset: `<issuer>#<sub>`, so users of two IdPs never share a name.
   */
  subjectClaim: z.string().min(1).optional(),
  /** The algorithms its ID-JAGs may be signed with. */
  algorithms: z
    .array(z.enum(ID_JAG_ALGORITHMS, { error: (issue) => `${JSON.stringify(issue.input)} is not an algorithm an ID-JAG may be signed with (never none or HS*): use ${ID_JAG_ALGORITHMS.join(', ')}` }))
    .min(1, 'lists no algorithm: leave it out for the default (RS256, PS256, ES256, EdDSA)')
    .default(['RS256', 'PS256', 'ES256', 'EdDSA']),
});

/** The first problem of the branch of the union the entry was meant for: an object or a URL string. */
function issuerEntryError(issue: z.core.$ZodRawIssue): string | undefined {
  if (issue.code !== 'invalid_union') return undefined;
  const input = issue.input;
  if (typeof input !== 'string' && (typeof input !== 'object' || input === null || Array.isArray(input))) {
    return 'must be an issuer URL or an object { "issuer": "https://...", "jwksUri"?, "subjectClaim"?, "algorithms"? }';
  }
  const branch = (issue as unknown as { errors: z.core.$ZodIssue[][] }).errors[typeof input === 'string' ? 0 : 1] ?? [];
  const first = branch[0];
  if (!first) return undefined;
  if (first.code === 'unrecognized_keys') return `unknown setting(s) ${first.keys.map((key) => `"${key}"`).join(', ')} (known: issuer, jwksUri, subjectClaim, algorithms)`;
  const at = first.path.length > 0 ? `${first.path.join('.')}: ` : '';
  return `${at}${first.message}`;
}

/** Each IdP once: a second entry of one issuer would silently win or lose. */
function checkDistinct(entries: readonly (string | { issuer: string })[], ctx: z.core.$RefinementCtx): void {
  const seen = new Set<string>();
  entries.forEach((entry, index) => {
    const issuer = typeof entry === 'string' ? entry : entry.issuer;
    if (seen.has(issuer)) ctx.addIssue({ code: 'custom', path: [index], message: `${issuer} is listed twice: give each enterprise IdP once` });
    seen.add(issuer);
  });
}

export const idJagSchema = z.object({
  /** Trusted enterprise IdPs: issuer URLs, or objects for more settings. */
  issuers: z
    .array(z.union([issuerUrl('authority.idJag.issuers[]'), idJagIssuerSchema], { error: issuerEntryError }))
    .superRefine(checkDistinct)
    .default([]),
  /** The longest lifetime (`exp` - `iat`) an ID-JAG may have; the drafts expect minutes. */
  maxLifetimeSec: z.number().int().min(30, 'at least 30 seconds').max(3600, 'at most 3600 seconds: an ID-JAG is meant to live minutes').default(300),
  /** Clock difference tolerated on `exp` and `iat`. */
  clockSkewSec: z.number().int().min(0, 'at least 0 seconds').max(300, 'at most 300 seconds').default(30),
});

/**
 * `GATEHOUSE_ID_JAG_ISSUERS`: issuer URLs separated by commas or spaces, a
 * JSON array (of URLs or `{ "issuer": ..., "subjectClaim": ... }` objects),
 * or one such object.
 *
 * @example
 * ```ts
 * issuerList('https://acme.okta.com, https://sso.acme.com/realms/main', 'GATEHOUSE_ID_JAG_ISSUERS'); // two URLs
 * ```
 */
export const issuerList: ValueParser = (value, from) => {
  const text = value.trim();
  if (text.startsWith('[')) return json(text, from);
  // One IdP's object on its own.
  if (text.startsWith('{')) return [json(text, from)];
  return list(text, from);
};

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
