import type { TokenExchangePolicy } from '../../config/sections/authority.js';

/**
 * Who may exchange what (`authority.tokenExchange.policies`). A client with
 * no policy may not exchange at all; an audience no policy of the client
 * names is refused; scopes are capped by the policy, or, where the policy
 * lists none, by what the subject token already carries. Pure: the grant
 * turns a refusal into the RFC's error response.
 */

/** Why an exchange is refused, with the OAuth error it answers (RFC 6749 §5.2, RFC 8693 §2.2.2). */
export interface Refusal {
  ok: false;
  error: 'unauthorized_client' | 'invalid_target' | 'invalid_scope' | 'invalid_request';
  description: string;
}

/** What the exchanged token may carry. */
export interface Permission {
  ok: true;
  audience: string;
  scopes: string[];
}

/** The request as the policy sees it. */
export interface ExchangeAsk {
  clientId: string;
  /** Every `audience` and `resource` value of the request. */
  targets: readonly string[];
  /** The requested scopes; empty means "whatever the policy allows". */
  scopes: readonly string[];
  /** The scopes of the subject token. */
  subjectScopes: readonly string[];
}

/**
 * Decides an exchange: the one downstream audience and the scopes of the
 * token to issue, or why not.
 *
 * @example
 * ```ts
 * decideExchange([{ client: 'mcp-server', audiences: ['https://api.local'], scopes: ['orders:read'] }], {
 *   clientId: 'mcp-server', targets: ['https://api.local'], scopes: ['orders:read'], subjectScopes: ['mcp:tools'],
 * }); // { ok: true, audience: 'https://api.local', scopes: ['orders:read'] }
 * ```
 */
export function decideExchange(policies: readonly TokenExchangePolicy[], ask: ExchangeAsk): Permission | Refusal {
  const own = policies.filter((policy) => policy.client === ask.clientId);
  if (own.length === 0) {
    return { ok: false, error: 'unauthorized_client', description: `client "${ask.clientId}" may not exchange tokens: no token-exchange policy names it` };
  }
  const targets = [...new Set(ask.targets)];
  if (targets.length === 0) {
    return { ok: false, error: 'invalid_request', description: 'name the downstream API with audience or resource' };
  }
  if (targets.length > 1) {
    return { ok: false, error: 'invalid_target', description: 'one downstream audience per exchange: audience and resource name different targets' };
  }
  const audience = targets[0]!;
  const matching = own.filter((policy) => policy.audiences.includes(audience));
  if (matching.length === 0) {
    return { ok: false, error: 'invalid_target', description: `client "${ask.clientId}" may not get tokens for audience ${JSON.stringify(audience)}` };
  }
  const allowed = new Set(matching.flatMap((policy) => policy.scopes ?? ask.subjectScopes));
  if (ask.scopes.length === 0) return { ok: true, audience, scopes: [...allowed] };
  const above = ask.scopes.filter((scope) => !allowed.has(scope));
  if (above.length > 0) {
    return {
      ok: false,
      error: 'invalid_scope',
      description: `scope ${above.join(' ')} is above what this client may get for ${JSON.stringify(audience)} (allowed: ${[...allowed].join(' ') || 'none'})`,
    };
  }
  return { ok: true, audience, scopes: [...new Set(ask.scopes)] };
}
