import type { UpstreamConfig } from '../../config/sections/upstream.js';
import { UpstreamError } from '../../errors.js';
import { PRESETS } from './presets.js';
import type { UpstreamIdentity } from './types.js';

/** Longest upstream id kept in a `sub`; real ones are far shorter (Entra's oid is a GUID). */
const MAX_SUBJECT = 255;

/**
 * Maps an upstream's claims (the ID token over userinfo, or GitHub's `/user`)
 * into Gatehouse's: `sub` is the provider's stable id namespaced by provider
 * (`entra|<oid>`), so two upstreams never share a user; `email` counts as
 * verified only when the upstream says so (`email_verified`; Entra's
 * `xms_edov`, as Entra issues no `email_verified`); groups from the groups
 * claim.
 *
 * @example
 * ```ts
 * identityFromClaims(config.upstream, { sub: '248289761001', email: 'ada@example.com', email_verified: true });
 * // { sub: 'oidc|248289761001', email: 'ada@example.com', emailVerified: true, groups: [] }
 * ```
 */
export function identityFromClaims(config: UpstreamConfig, claims: Record<string, unknown>): UpstreamIdentity {
  const preset = PRESETS[config.provider];
  const id = claims[preset.subjectClaim];
  const subject = typeof id === 'number' ? String(id) : id;
  if (typeof subject !== 'string' || subject === '' || subject.length > MAX_SUBJECT) {
    throw new UpstreamError(
      'ERR_UPSTREAM_INVALID_RESPONSE',
      `${preset.displayName} did not say who signed in: its answer has no usable "${preset.subjectClaim}" claim` +
        (config.provider === 'entra' ? ' (Entra ID sends oid with the profile scope)' : ''),
    );
  }
  const email = typeof claims.email === 'string' && claims.email.includes('@') ? claims.email : undefined;
  const verified = config.provider === 'entra' ? claims.xms_edov === true || claims.xms_edov === 'true' : claims.email_verified === true || claims.email_verified === 'true';
  const name = typeof claims.name === 'string' ? claims.name : typeof claims.login === 'string' ? claims.login : undefined;
  return {
    sub: `${config.provider}|${subject}`,
    ...(email ? { email } : {}),
    emailVerified: Boolean(email) && verified,
    ...(name ? { name: name.slice(0, 200) } : {}),
    groups: groupsOf(claims[config.groupsClaim]),
    ...(typeof claims.hd === 'string' ? { hostedDomain: claims.hd.toLowerCase() } : {}),
  };
}

function groupsOf(value: unknown): string[] {
  if (typeof value === 'string') return value.split(/[\s,]+/).filter(Boolean);
  if (Array.isArray(value)) return value.filter((g): g is string => typeof g === 'string' && g !== '');
  return [];
}
