import type Provider from 'oidc-provider';
import { errors, type TokenEndpointGrantContext } from 'oidc-provider';
import type { AsymmetricSigningAlgorithm } from 'oidc-provider';
import type { GatehouseConfig } from '../../config/schema.js';
import { entitlements } from '../identity/entitlements.js';
import { mcpResourceServer, mcpResourceUri, resourceScopes } from '../provider/resource-indicators.js';
import { machineClients } from '../registration/machine-clients.js';
import type { Telemetry } from '../../telemetry/types.js';
import { IdJagError, verifyIdJag, type VerifiedIdJag } from './assertion.js';
import type { ReplayCache } from './replay.js';
import { decideIdJagScopes } from './scopes.js';
import { tagEnterpriseIssuer } from './token-claims.js';
import type { TrustedIssuers } from './trusted-issuers.js';

/**
 * The token endpoint's handler for `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer`
 * with an ID-JAG as `assertion` (RFC 7523 §2.1, SEP-990). oidc-provider has
 * authenticated the client, and the machine-grant check has let through only
 * a configured client with this grant, before the handler runs. The token is
 * the one every sign-in gets: an RFC 9068 JWT for the MCP resource, with a
 * grant behind it (so revocation, the gate's live-grant check and token
 * exchange treat it as any user's token), and no refresh token: when it
 * expires the client asks the enterprise IdP for a new ID-JAG, so the
 * enterprise keeps deciding.
 */

export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

/** The parameters the grant reads (RFC 7523 §2.1, RFC 8707). */
export const JWT_BEARER_PARAMETERS = ['assertion', 'scope', 'resource'] as const;

type Params = Partial<Record<(typeof JWT_BEARER_PARAMETERS)[number], string | string[]>>;

/** What the handler works with. */
export interface IdJagGrantParts {
  issuers: TrustedIssuers;
  replays: ReplayCache;
  /** The algorithm access tokens are signed with (the first of `authority.signingAlgorithms`). */
  signingAlg: AsymmetricSigningAlgorithm;
  /** The clock, seconds since the epoch; for tests. */
  now?: () => number;
  /** Where refusals are told (`request.refused`); the issued token's `token.issued` comes from the provider's own event (provider/audit-events.ts). */
  telemetry?: Telemetry;
}

/** `invalid_grant` with this description sent to the client (oidc-provider's own keeps a detail in its log only). */
function invalidGrant(description: string): InstanceType<typeof errors.InvalidGrant> {
  const error = new errors.InvalidGrant(description);
  error.error_description = description;
  return error;
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** The user's name here: the configured claim, else `<issuer>#<sub>`. */
function accountIdOf(idJag: VerifiedIdJag): string {
  const claim = idJag.issuer.subjectClaim;
  if (claim === undefined) return `${idJag.issuer.issuer}#${idJag.claims.sub}`;
  const value = idJag.claims[claim];
  if (typeof value !== 'string' || value === '') throw new IdJagError('subject', `assertion has no ${claim} claim, which names the user here (subjectClaim of ${idJag.issuer.issuer})`);
  return value;
}

/**
 * The grant handler, for `provider.registerGrantType`.
 *
 * @example
 * ```ts
 * provider.registerGrantType(JWT_BEARER_GRANT, idJagHandler(provider, config, { issuers, replays, signingAlg }), JWT_BEARER_PARAMETERS, ['resource']);
 * ```
 */
export function idJagHandler(provider: Provider, config: GatehouseConfig, parts: IdJagGrantParts) {
  const resource = mcpResourceUri(config);
  const resourceServer = mcpResourceServer(config, parts.signingAlg);
  const known = new Set(resourceScopes(config));
  const machines = machineClients(config);
  const rules = entitlements(config, false);
  const { maxLifetimeSec, clockSkewSec } = config.authority.idJag;
  const now = parts.now ?? (() => Math.floor(Date.now() / 1000));

  async function redeemIdJag(ctx: TokenEndpointGrantContext<Params>): Promise<void> {
    const { params, client } = ctx.oidc;
    // Defence in depth: the settings check refuses a public client with this grant at start.
    if (client.clientAuthMethod === 'none') throw new errors.UnauthorizedClient('a public client may not redeem ID-JAGs: configure it with a client_secret or private_key_jwt');
    const assertion = single(params.assertion);
    if (!assertion) throw new errors.InvalidRequest('missing required parameter assertion (the ID-JAG)');
    const resources = Array.isArray(params.resource) ? params.resource : params.resource === undefined ? [] : [params.resource];
    if (resources.some((value) => value !== resource)) throw new errors.InvalidTarget(`this authorization server issues tokens only for ${resource}`);

    try {
      await issue(ctx, assertion);
    } catch (err) {
      if (!(err instanceof IdJagError)) throw err;
      parts.telemetry?.audit?.({
        event: 'request.refused',
        grant: JWT_BEARER_GRANT,
        reason: `id_jag_${err.reason}`,
        status: 400,
        clientId: client.clientId,
        resource,
        ...(err.issuer === undefined ? {} : { issuer: err.issuer }),
        ...(err.subject === undefined ? {} : { subject: err.subject }),
      });
      if (err.reason === 'scope') throw new errors.InvalidScope(err.description, '');
      throw invalidGrant(err.description);
    }
  }

  /** Verifies the ID-JAG, decides the scopes, spends the jti and issues the token; every refusal an `IdJagError`. */
  async function issue(ctx: TokenEndpointGrantContext<Params>, assertion: string): Promise<void> {
    const { params, client } = ctx.oidc;
    const at = now();
    const idJag = await verifyIdJag(assertion, parts.issuers, {
      audience: config.issuer,
      clientId: client.clientId,
      resources: [resource],
      maxLifetimeSec,
      clockSkewSec,
      maxTokenBytes: config.jwt.maxTokenBytes,
      now: at,
    });
    const { iss, jti, exp } = { iss: idJag.issuer.issuer, jti: idJag.claims.jti, exp: idJag.claims.exp };
    const refuse = (reason: 'subject' | 'scope' | 'replayed', description: string, subject?: string) =>
      Object.assign(new IdJagError(reason, description), { issuer: iss, subject });
    let accountId: string;
    try {
      accountId = accountIdOf(idJag);
    } catch (err) {
      throw err instanceof IdJagError ? refuse('subject', err.description) : err;
    }

    const allowed = rules.grantable((machines.get(client.clientId)?.scopes ?? []).filter((scope) => known.has(scope)), accountId, undefined);
    const decision = decideIdJagScopes({ clientId: client.clientId, allowed, granted: idJag.scopes, asked: (single(params.scope) ?? '').split(' ').filter(Boolean) });
    if (!decision.ok) throw refuse('scope', decision.description, accountId);

    // Last: a refused request leaves the ID-JAG unspent; two that pass race here and one wins.
    if (!(await parts.replays.claim(iss, jti, exp - at + clockSkewSec))) {
      throw refuse('replayed', `assertion was already used: ID-JAG jti ${JSON.stringify(jti.slice(0, 64))} of ${iss} was redeemed before`, accountId);
    }

    const scope = decision.scopes.join(' ');
    // The grant ends with its token: there is no refresh token to keep it alive.
    // `expiresIn` is a BaseToken option oidc-provider's types leave out of Grant's.
    const grantProperties = { accountId, clientId: client.clientId, expiresIn: config.authority.accessTokenTtlSec };
    const grant = new provider.Grant(grantProperties);
    grant.addResourceScope(resource, scope);
    const grantId = await grant.save();
    const token = new provider.AccessToken({ accountId, client, grantId, gty: JWT_BEARER_GRANT, scope, resourceServer: new provider.ResourceServer(resource, resourceServer) });
    tagEnterpriseIssuer(token, iss);
    ctx.oidc.entity('AccessToken', token);
    const accessToken = await token.save();
    ctx.body = { access_token: accessToken, token_type: 'Bearer', expires_in: token.expiration, scope };
  }

  return redeemIdJag;
}
