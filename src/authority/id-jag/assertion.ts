import { compactVerify, decodeJwt, decodeProtectedHeader, type JWTPayload, type ProtectedHeaderParameters } from 'jose';
import { GatehouseError } from '../../errors.js';
import { printable } from '../../tokens/claim-errors.js';
import type { TrustedIssuer, TrustedIssuers } from './trusted-issuers.js';

/**
 * The checks an ID-JAG passes before anything is issued for it
 * (draft-ietf-oauth-identity-assertion-authz-grant, RFC 7523 §3), each
 * refused with its own description: the `typ` header, an asymmetric
 * algorithm the IdP is configured for, a trusted `iss`, the signature, `aud`
 * = this authority, `client_id` = the client that authenticated, a short
 * `iat`..`exp` window, and the `resource` it is for. The `jti` replay check
 * and the scopes come after, in the grant.
 */

/** The JWT `typ` of an ID-JAG. */
export const ID_JAG_TYPE = 'oauth-id-jag+jwt';

/**
 * Why an ID-JAG was refused, in a word: the `reason` of its audit event and
 * the `code` label of the refusal metric (a short, fixed list).
 */
export type IdJagRefusal =
  | 'malformed'
  | 'typ'
  | 'untrusted_issuer'
  | 'algorithm'
  | 'unknown_key'
  | 'keys_unavailable'
  | 'signature'
  | 'audience'
  | 'client'
  | 'claims'
  | 'subject'
  | 'expired'
  | 'not_yet_valid'
  | 'lifetime'
  | 'resource'
  | 'scope'
  | 'replayed';

/** An ID-JAG that cannot be redeemed; `description` is safe to send to the client. */
export class IdJagError extends Error {
  constructor(
    readonly reason: IdJagRefusal,
    readonly description: string,
    options?: { cause?: unknown },
  ) {
    super(description, options);
    this.name = 'IdJagError';
  }

  /** The trusted IdP the ID-JAG claims to be from, once it is known to be one (never an untrusted `iss`). */
  issuer?: string;
  /** The user here, once the ID-JAG is verified. */
  subject?: string;
}

/** What the checks need to know about this authority and this request. */
export interface IdJagExpectations {
  /** This authority's issuer: the only accepted `aud`. */
  audience: string;
  /** The authenticated client: the only accepted `client_id`. */
  clientId: string;
  /** The resources tokens are issued for: `resource`, when present, must be one. */
  resources: readonly string[];
  maxLifetimeSec: number;
  clockSkewSec: number;
  maxTokenBytes: number;
  /** Seconds since the epoch. */
  now: number;
}

/** A verified ID-JAG. */
export interface VerifiedIdJag {
  issuer: TrustedIssuer;
  claims: JWTPayload & { sub: string; jti: string; exp: number; iat: number };
  /** The `resource` claim, or `undefined` when it names none. */
  resource: string | undefined;
  /** The `scope` claim split, or `undefined` when it has none. */
  scopes: string[] | undefined;
}

const JWS_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

function readHeader(assertion: string): ProtectedHeaderParameters {
  try {
    return decodeProtectedHeader(assertion);
  } catch {
    throw new IdJagError('malformed', 'assertion is not a JWT: its header is not base64url-encoded JSON');
  }
}

function readIssuer(assertion: string, issuers: TrustedIssuers): TrustedIssuer {
  let iss: unknown;
  try {
    iss = decodeJwt(assertion).iss;
  } catch {
    throw new IdJagError('malformed', 'assertion is not a JWT: its payload is not base64url-encoded JSON');
  }
  if (typeof iss !== 'string' || iss === '') throw new IdJagError('claims', 'assertion has no iss claim: the enterprise IdP that issued it is unknown');
  const trusted = issuers.get(iss);
  if (!trusted) throw new IdJagError('untrusted_issuer', `assertion issuer ${printable(iss)} is not a trusted enterprise IdP (GATEHOUSE_ID_JAG_ISSUERS)`);
  return trusted;
}

function checkAlgorithm(header: ProtectedHeaderParameters, issuer: TrustedIssuer): void {
  const alg = header.alg;
  if (alg === undefined || alg === 'none' || /^HS/i.test(alg)) {
    throw new IdJagError('algorithm', `assertion alg ${printable(alg)} is never accepted: an ID-JAG must be signed with the enterprise IdP's asymmetric key`);
  }
  if (!(issuer.algorithms as readonly string[]).includes(alg)) {
    throw new IdJagError('algorithm', `assertion alg ${printable(alg)} is not allowed for ${issuer.issuer} (allowed: ${issuer.algorithms.join(', ')})`);
  }
}

async function verifySignature(assertion: string, header: ProtectedHeaderParameters, issuer: TrustedIssuer): Promise<JWTPayload> {
  let candidates;
  try {
    candidates = await issuer.keys.getKeys(header);
  } catch (err) {
    const code = err instanceof GatehouseError ? err.code : undefined;
    if (code === 'ERR_JWKS_NO_MATCHING_KEY') throw new IdJagError('unknown_key', `assertion was not signed by ${issuer.issuer}: no key in its JWKS matches the assertion's kid`, { cause: err });
    throw new IdJagError('keys_unavailable', `the signing keys of ${issuer.issuer} could not be fetched; try again later`, { cause: err });
  }
  for (const key of candidates) {
    try {
      // The signature only: the claims are checked below, each with its own description.
      await compactVerify(assertion, key, { algorithms: [...issuer.algorithms] });
      return decodeJwt(assertion);
    } catch (err) {
      if ((err as { code?: unknown }).code !== 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED') {
        throw new IdJagError('malformed', 'assertion could not be verified: it is not a well-formed signed JWT', { cause: err });
      }
    }
  }
  throw new IdJagError('signature', `assertion signature does not verify with the keys of ${issuer.issuer}`);
}

function checkClaims(payload: JWTPayload, expect: IdJagExpectations): asserts payload is VerifiedIdJag['claims'] {
  const aud = payload.aud;
  const audiences = Array.isArray(aud) ? aud : aud === undefined ? [] : [aud];
  // One audience only: an assertion also meant for another server could be replayed here.
  if (audiences.length !== 1 || audiences[0] !== expect.audience) {
    throw new IdJagError('audience', `assertion audience ${printable(aud)} is not this authorization server (aud must be ${expect.audience})`);
  }
  if (payload.client_id !== expect.clientId) {
    throw new IdJagError('client', `assertion was issued to client ${printable(payload.client_id)}, not to the authenticated client ${printable(expect.clientId)}`);
  }
  if (typeof payload.sub !== 'string' || payload.sub === '') throw new IdJagError('claims', 'assertion has no sub claim: it names no user');
  if (typeof payload.jti !== 'string' || payload.jti === '') throw new IdJagError('claims', 'assertion has no jti claim: it cannot be protected against replay');
  const { exp, iat } = payload;
  if (typeof exp !== 'number' || !Number.isFinite(exp)) throw new IdJagError('claims', 'assertion has no exp claim');
  if (typeof iat !== 'number' || !Number.isFinite(iat)) throw new IdJagError('claims', 'assertion has no iat claim');
  const { now, clockSkewSec: skew } = expect;
  if (exp <= now - skew) throw new IdJagError('expired', `assertion expired at ${new Date(exp * 1000).toISOString()}`);
  if (iat > now + skew) throw new IdJagError('not_yet_valid', `assertion iat ${new Date(iat * 1000).toISOString()} is in the future`);
  if (typeof payload.nbf === 'number' && payload.nbf > now + skew) throw new IdJagError('not_yet_valid', 'assertion is not valid yet (nbf)');
  if (exp - iat > expect.maxLifetimeSec) {
    throw new IdJagError('lifetime', `assertion lifetime ${exp - iat}s (exp - iat) is longer than the ${expect.maxLifetimeSec}s accepted (GATEHOUSE_ID_JAG_MAX_LIFETIME)`);
  }
}

function readResource(payload: JWTPayload, resources: readonly string[]): string | undefined {
  const resource = payload.resource;
  if (resource === undefined) return undefined;
  const values = Array.isArray(resource) ? resource : [resource];
  if (values.length !== 1 || typeof values[0] !== 'string' || !resources.includes(values[0])) {
    throw new IdJagError('resource', `assertion resource ${printable(resource)} is not protected by this authorization server (it issues tokens for ${resources.join(', ')})`);
  }
  return values[0];
}

function readScopes(payload: JWTPayload): string[] | undefined {
  if (payload.scope === undefined) return undefined;
  if (typeof payload.scope !== 'string') throw new IdJagError('claims', 'assertion scope claim is not a space-separated string');
  return payload.scope.split(' ').filter(Boolean);
}

/**
 * Verifies an ID-JAG; throws `IdJagError` with the first problem found.
 *
 * @example
 * ```ts
 * const idJag = await verifyIdJag(params.assertion, issuers, { audience: config.issuer, clientId: client.clientId, resources: [mcp], maxLifetimeSec: 300, clockSkewSec: 30, maxTokenBytes: 16384, now });
 * idJag.claims.sub; // the user at the enterprise IdP
 * ```
 */
export async function verifyIdJag(assertion: string, issuers: TrustedIssuers, expect: IdJagExpectations): Promise<VerifiedIdJag> {
  if (assertion.length > expect.maxTokenBytes) throw new IdJagError('malformed', `assertion is longer than ${expect.maxTokenBytes} bytes`);
  if (!JWS_SHAPE.test(assertion)) throw new IdJagError('malformed', 'assertion is not a JWT: expected three base64url parts separated by dots');
  const header = readHeader(assertion);
  const typ = typeof header.typ === 'string' ? header.typ.toLowerCase() : undefined;
  if (header.typ === undefined) throw new IdJagError('typ', `assertion has no typ header, expected "${ID_JAG_TYPE}" (an Identity Assertion JWT Authorization Grant)`);
  if (typ !== ID_JAG_TYPE && typ !== `application/${ID_JAG_TYPE}`) {
    throw new IdJagError('typ', `assertion typ header is ${printable(header.typ)}, expected "${ID_JAG_TYPE}" (an Identity Assertion JWT Authorization Grant)`);
  }
  const issuer = readIssuer(assertion, issuers);
  try {
    checkAlgorithm(header, issuer);
    const payload = await verifySignature(assertion, header, issuer);
    if (payload.iss !== issuer.issuer) throw new IdJagError('untrusted_issuer', 'assertion iss changed between decoding and verification');
    checkClaims(payload, expect);
    return { issuer, claims: payload, resource: readResource(payload, expect.resources), scopes: readScopes(payload) };
  } catch (err) {
    if (err instanceof IdJagError) err.issuer = issuer.issuer;
    throw err;
  }
}
