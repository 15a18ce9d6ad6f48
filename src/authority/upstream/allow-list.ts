import type { UpstreamConfig } from '../../config/sections/upstream.js';
import type { UpstreamIdentity } from './types.js';

/** Why a user was refused, for the page they see and the log. */
export interface Refusal {
  /** Who the page says signed in (their email, name or id). */
  who: string;
  reason: string;
}

/**
 * Who may sign in through the upstream: anyone when `allowed` lists
 * nothing; otherwise a user who matches one rule, any rule: a listed
 * address, an address in a listed domain, or a listed group. Addresses
 * count only when the upstream verified them; at Google a domain also
 * needs the account's `hd` (Workspace) to be that domain, since a
 * personal Google account can carry any verified address.
 *
 * @example
 * ```ts
 * refusalOf(config.upstream, identity); // undefined: may sign in
 * ```
 */
export function refusalOf(config: UpstreamConfig, identity: UpstreamIdentity): Refusal | undefined {
  const { emails, domains, groups } = config.allowed;
  if (emails.length === 0 && domains.length === 0 && groups.length === 0) return undefined;
  const email = identity.emailVerified ? identity.email?.toLowerCase() : undefined;
  if (email && emails.some((allowed) => allowed.toLowerCase() === email)) return undefined;
  const domain = email?.slice(email.lastIndexOf('@') + 1);
  const domainAllowed = (d: string) => domain === d.toLowerCase() && (config.provider !== 'google' || identity.hostedDomain === domain);
  if (domain && domains.some(domainAllowed)) return undefined;
  const theirs = new Set(identity.groups.map((g) => g.toLowerCase()));
  if (groups.some((g) => theirs.has(g.toLowerCase()))) return undefined;
  const who = identity.email ?? identity.name ?? identity.sub;
  const rules = [
    emails.length ? 'a listed address' : '',
    domains.length ? `a verified address at ${domains.join(', ')}` : '',
    groups.length ? `membership of ${groups.join(', ')}` : '',
  ].filter(Boolean);
  const unverified = identity.email && !identity.emailVerified ? ` (the address ${identity.email} is not verified by the identity provider)` : '';
  return { who, reason: `This server accepts only ${rules.join(' or ')}${unverified}.` };
}
