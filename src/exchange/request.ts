import { ACCESS_TOKEN_TYPE, JWT_BEARER_GRANT, TOKEN_EXCHANGE_GRANT, type ExchangeRequest, type ExchangeVariant } from './types.js';

/**
 * The grant-specific form parameters of one exchange, per variant. Client
 * authentication is added separately (see `client-auth.ts`).
 */

/** A request with every list normalised: trimmed, deduplicated, sorted. */
export interface NormalisedRequest {
  audiences: string[];
  resources: string[];
  scopes: string[];
}

function listOf(value: string | readonly string[] | undefined, split: boolean): string[] {
  if (value === undefined) return [];
  const items = typeof value === 'string' ? [value] : [...value];
  const parts = split ? items.flatMap((item) => item.split(' ')) : items;
  return [...new Set(parts.map((part) => part.trim()).filter(Boolean))].sort();
}

/**
 * Normalises a request, so `scope: 'b a'` and `scope: ['a', 'b']` share a
 * cache entry, and checks it names a target: a token-exchange request
 * without `audience` or `resource` could come back with the caller's own
 * audience, which is what on-behalf-of calls exist to avoid.
 *
 * @example
 * ```ts
 * normaliseRequest({ audience: 'https://api.example.com', scope: 'b a' }, 'rfc8693');
 * // { audiences: ['https://api.example.com'], resources: [], scopes: ['a', 'b'] }
 * ```
 */
export function normaliseRequest(request: ExchangeRequest, variant: ExchangeVariant): NormalisedRequest {
  const normalised = { audiences: listOf(request.audience, false), resources: listOf(request.resource, false), scopes: listOf(request.scope, true) };
  const targets = normalised.audiences.length + normalised.resources.length;
  if (variant === 'entra-obo') {
    if (normalised.scopes.length === 0) {
      // Entra names the API in the scope: `<application ID URI>/.default` asks for every permission the app was granted.
      if (targets !== 1) throw new TypeError('Entra ID on-behalf-of: name the downstream API with scope (e.g. "api://orders/.default") or one audience');
      const api = (normalised.audiences[0] ?? normalised.resources[0])!.replace(/\/+$/, '');
      return { audiences: [], resources: [], scopes: [`${api}/.default`] };
    }
    if (targets > 0) throw new TypeError('Entra ID on-behalf-of names the downstream API in scope only: drop audience/resource, or drop scope');
    return normalised;
  }
  if (targets === 0) throw new TypeError('Token exchange needs the downstream API: pass audience or resource');
  return normalised;
}

/**
 * The form parameters of the exchange: RFC 8693 §2.1, or Entra ID's
 * on-behalf-of request (`jwt-bearer` grant, `requested_token_use=on_behalf_of`).
 *
 * @example
 * ```ts
 * grantParameters('rfc8693', subjectToken, normaliseRequest({ audience: 'https://api.example.com' }, 'rfc8693'));
 * // grant_type=urn:ietf:params:oauth:grant-type:token-exchange&subject_token=...&audience=https://api.example.com
 * ```
 */
export function grantParameters(
  variant: ExchangeVariant,
  subjectToken: string,
  request: NormalisedRequest,
  subjectTokenType: string = ACCESS_TOKEN_TYPE,
): URLSearchParams {
  const params = new URLSearchParams();
  if (variant === 'entra-obo') {
    params.set('grant_type', JWT_BEARER_GRANT);
    params.set('assertion', subjectToken);
    params.set('requested_token_use', 'on_behalf_of');
    params.set('scope', request.scopes.join(' '));
    return params;
  }
  params.set('grant_type', TOKEN_EXCHANGE_GRANT);
  params.set('subject_token', subjectToken);
  params.set('subject_token_type', subjectTokenType);
  params.set('requested_token_type', ACCESS_TOKEN_TYPE);
  for (const audience of request.audiences) params.append('audience', audience);
  for (const resource of request.resources) params.append('resource', resource);
  if (request.scopes.length > 0) params.set('scope', request.scopes.join(' '));
  return params;
}
