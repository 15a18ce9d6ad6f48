import { errors, type TokenEndpointGrantContext } from 'oidc-provider';
import type { GatehouseConfig } from '../../config/schema.js';
import { ACCESS_TOKEN_TYPE, JWT_TOKEN_TYPE } from '../../exchange/types.js';
import type { TokenSigner } from './issue-token.js';
import { decideExchange, type Refusal } from './policy.js';
import { SubjectTokenError, type SubjectTokenVerifier } from './subject-token.js';

/**
 * The token endpoint's handler for `grant_type=urn:ietf:params:oauth:grant-type:token-exchange`
 * (RFC 8693). oidc-provider has authenticated the client and checked that
 * its `grant_types` include this grant before the handler runs.
 */

/** The parameters the grant reads; `audience` and `resource` may repeat. */
export const TOKEN_EXCHANGE_PARAMETERS = [
  'subject_token',
  'subject_token_type',
  'requested_token_type',
  'audience',
  'resource',
  'scope',
  'actor_token',
  'actor_token_type',
] as const;
export const TOKEN_EXCHANGE_REPEATABLE = ['audience', 'resource'] as const;

type Params = Partial<Record<(typeof TOKEN_EXCHANGE_PARAMETERS)[number], string | string[]>>;

/** RFC 8693 §3: what this server accepts as a subject token and can issue. */
const ACCESS_TOKEN_TYPES = new Set([ACCESS_TOKEN_TYPE, JWT_TOKEN_TYPE]);

function refuse(refusal: Refusal): never {
  switch (refusal.error) {
    case 'unauthorized_client':
      throw new errors.UnauthorizedClient(refusal.description);
    case 'invalid_target':
      throw new errors.InvalidTarget(refusal.description);
    case 'invalid_scope':
      throw new errors.InvalidScope(refusal.description, '');
    default:
      throw new errors.InvalidRequest(refusal.description);
  }
}

function single(params: Params, name: 'subject_token' | 'subject_token_type' | 'requested_token_type' | 'scope' | 'actor_token' | 'actor_token_type'): string | undefined {
  const value = params[name];
  return Array.isArray(value) ? value[0] : value;
}

function many(value: string | string[] | undefined): string[] {
  return (Array.isArray(value) ? value : value === undefined ? [] : [value]).filter(Boolean);
}

/**
 * The grant handler, for `provider.registerGrantType`.
 *
 * @example
 * ```ts
 * provider.registerGrantType(TOKEN_EXCHANGE_GRANT, tokenExchangeHandler(config, subjects, sign), TOKEN_EXCHANGE_PARAMETERS, TOKEN_EXCHANGE_REPEATABLE);
 * ```
 */
export function tokenExchangeHandler(config: GatehouseConfig, subjects: SubjectTokenVerifier, sign: TokenSigner) {
  const { policies, tokenTtlSec } = config.authority.tokenExchange;
  return async function exchangeToken(ctx: TokenEndpointGrantContext<Params>): Promise<void> {
    const { params, client } = ctx.oidc;
    const subjectToken = single(params, 'subject_token');
    const subjectTokenType = single(params, 'subject_token_type');
    if (!subjectToken) throw new errors.InvalidRequest('missing required parameter subject_token');
    if (!subjectTokenType) throw new errors.InvalidRequest('missing required parameter subject_token_type');
    if (!ACCESS_TOKEN_TYPES.has(subjectTokenType)) {
      throw new errors.InvalidRequest(`subject_token_type must be ${ACCESS_TOKEN_TYPE}: only this server's access tokens can be exchanged`);
    }
    const requestedType = single(params, 'requested_token_type');
    if (requestedType !== undefined && !ACCESS_TOKEN_TYPES.has(requestedType)) {
      throw new errors.InvalidRequest(`requested_token_type must be ${ACCESS_TOKEN_TYPE}: this server issues access tokens only`);
    }
    if (single(params, 'actor_token') !== undefined || single(params, 'actor_token_type') !== undefined) {
      throw new errors.InvalidRequest('actor_token is not supported: the acting party is the authenticated client');
    }

    // The policy first: a client that may not exchange learns nothing about the token it sent.
    const ask = {
      clientId: client.clientId,
      targets: [...many(params.audience), ...many(params.resource)],
      scopes: (single(params, 'scope') ?? '').split(' ').filter(Boolean),
    };
    const allowedAtAll = decideExchange(policies, { ...ask, scopes: [], subjectScopes: [] });
    if (!allowedAtAll.ok) refuse(allowedAtAll);

    let subject;
    try {
      subject = await subjects.verify(subjectToken);
    } catch (err) {
      // RFC 8693 §2.2.2: an invalid or unacceptable subject token is invalid_request.
      if (err instanceof SubjectTokenError) throw new errors.InvalidRequest(err.description);
      throw err;
    }
    const decision = decideExchange(policies, { ...ask, subjectScopes: subject.scopes });
    if (!decision.ok) refuse(decision);

    const ttlSec = Math.min(tokenTtlSec, subject.exp - Math.floor(Date.now() / 1000));
    if (ttlSec <= 0) throw new errors.InvalidRequest('subject_token has expired');
    const { token, expiresIn } = await sign({
      issuer: config.issuer,
      sub: subject.sub,
      audience: decision.audience,
      actingClientId: client.clientId,
      scopes: decision.scopes,
      grantId: subject.grantId,
      ...(subject.enterpriseIssuer === undefined ? {} : { enterpriseIssuer: subject.enterpriseIssuer }),
      ttlSec,
    });
    ctx.body = {
      access_token: token,
      issued_token_type: ACCESS_TOKEN_TYPE,
      token_type: 'Bearer',
      expires_in: expiresIn,
      ...(decision.scopes.length > 0 ? { scope: decision.scopes.join(' ') } : {}),
    };
  };
}
