import type { AdapterConstructor, AdapterFactory, AsymmetricSigningAlgorithm, Configuration, FindAccount, JWKS } from 'oidc-provider';
import type { GatehouseConfig } from '../../config/schema.js';
import { enterpriseIssuerClaim } from '../id-jag/token-claims.js';
import { grantIdClaim } from '../live-grants.js';
import { machineClients, machineTokenCustomizer } from '../registration/machine-clients.js';
import { mergeLayers } from '../../config/merge.js';
import { refreshGraceAdapter, refreshTokenPolicy } from './refresh-tokens.js';
import { consumeOnce } from '../stores/consume-once.js';
import { renderError } from './render-error.js';
import { resourceIndicatorsFeature, type GrantableScopes } from './resource-indicators.js';
import { authorityRoutes } from './routes.js';

/** What the other parts of the authority hand to the provider configuration. */
export interface ProviderParts {
  /** The private signing keys; the first key of `signingAlgorithms[0]` signs access tokens. */
  jwks: JWKS;
  /** Secrets that sign cookies: the first signs, every one verifies (rotation). */
  cookieKeys: string[];
  /** The store: an oidc-provider adapter class or factory. */
  adapter: AdapterFactory | AdapterConstructor;
  findAccount: FindAccount;
  /** Which scopes each user may be granted (restricted scopes); without it, every scope of the resource. */
  grantableScopes?: GrantableScopes;
  /** Partial configurations (registration, interactions...), merged in order over the defaults. */
  fragments?: (Configuration | undefined)[];
}

const DAY = 86_400;

/** Every access token's extra claims: its grant (revocation reaches the gate) and, for an ID-JAG's token, the enterprise IdP. */
const accessTokenClaims: NonNullable<Configuration['extraTokenClaims']> = async function accessTokenClaims(ctx, token) {
  const claims = { ...(await grantIdClaim(ctx, token)), ...(await enterpriseIssuerClaim(ctx?.oidc?.provider, token)) };
  return Object.keys(claims).length > 0 ? claims : undefined;
};

/** Lifetimes: access tokens short, refresh tokens per config, the consent record outliving both. */
function lifetimes(config: GatehouseConfig): NonNullable<Configuration['ttl']> {
  const { accessTokenTtlSec, refreshTokenTtlSec } = config.authority;
  return {
    AccessToken: accessTokenTtlSec,
    ClientCredentials: accessTokenTtlSec,
    IdToken: accessTokenTtlSec,
    AuthorizationCode: 60,
    RefreshToken: refreshTokenTtlSec,
    // Every refresh token points at its grant; the grant must not expire under a still-valid token.
    Grant: Math.max(refreshTokenTtlSec * 2, 365 * DAY),
    Session: DAY,
    Interaction: 30 * 60,
  };
}

/**
 * Browsers (MCP Inspector) call the token and revocation endpoints
 * cross-origin. Public clients hold no secret CORS could protect, so any
 * origin may call for them; confidential clients only from their own
 * redirect origins, as oidc-provider's default does.
 */
const clientBasedCORS: NonNullable<Configuration['clientBasedCORS']> = function clientBasedCORS(_ctx, origin, client) {
  if (origin === 'null') return false;
  if (client.clientAuthMethod === 'none') return true;
  return client.redirectUris?.some((uri) => URL.parse(uri)?.origin === origin) ?? false;
};

/**
 * Builds the oidc-provider configuration of the authority: authorization code
 * with PKCE (S256 only), refresh tokens with rotation and a grace window,
 * revocation, client credentials (only when a configured client has the
 * grant; see `registration/machine-clients.ts`), RFC 8707 JWT access tokens for the MCP
 * resource, every route under `authority.routePrefix`. The `fragments` of the
 * other parts (registration, interactions) are merged over the defaults;
 * the security-relevant settings are applied last, so no fragment can loosen them.
 *
 * @example
 * ```ts
 * const configuration = buildProviderConfiguration(config, {
 *   jwks, cookieKeys: [secret], adapter: createStore(config.authority), findAccount,
 *   fragments: [registrationConfiguration(config), interactionsConfiguration(config)],
 * });
 * const provider = new Provider(config.issuer, configuration);
 * ```
 */
export function buildProviderConfiguration(config: GatehouseConfig, parts: ProviderParts): Configuration {
  const algorithms = config.authority.signingAlgorithms as AsymmetricSigningAlgorithm[];
  const signingAlg = algorithms[0]!;
  const defaults: Configuration = {
    scopes: ['openid'],
    claims: { openid: ['sub'] },
    clientDefaults: { id_token_signed_response_alg: signingAlg },
    conformIdTokenClaims: true,
    ttl: lifetimes(config),
    clientBasedCORS,
    renderError,
    cookies: {
      names: { session: 'gatehouse.session', interaction: 'gatehouse.interaction', resume: 'gatehouse.resume' },
      long: { httpOnly: true, sameSite: 'lax' },
      short: { httpOnly: true, sameSite: 'lax' },
    },
    enabledJWA: {
      idTokenSigningAlgValues: algorithms,
      userinfoSigningAlgValues: algorithms,
      authorizationSigningAlgValues: algorithms,
      introspectionSigningAlgValues: algorithms,
    },
    features: {
      devInteractions: { enabled: false },
      revocation: { enabled: true },
      registration: { enabled: false },
      // The gate verifies JWTs in-process; introspection would only add an endpoint to defend.
      introspection: { enabled: false },
      // Its default pages load remote fonts; MCP clients never use it.
      rpInitiatedLogout: { enabled: false },
      pushedAuthorizationRequests: { enabled: false },
      userinfo: { enabled: false },
    },
  };
  const enforced: Configuration = {
    jwks: parts.jwks,
    cookies: { keys: parts.cookieKeys },
    // A code or refresh token is consumed once, under concurrency too (see stores/consume-once.ts).
    adapter: consumeOnce(refreshGraceAdapter(parts.adapter, config.authority.refreshGraceSec)),
    findAccount: parts.findAccount,
    routes: authorityRoutes(config.authority.routePrefix),
    responseTypes: ['code'],
    pkce: { required: () => true },
    ...refreshTokenPolicy(),
    // The gate checks the grant behind each access token, so revocation takes effect at once.
    extraTokenClaims: accessTokenClaims,
    features: {
      resourceIndicators: resourceIndicatorsFeature(config, signingAlg, parts.grantableScopes),
      // DPoP-bound tokens carry `cnf`, which the gate refuses: it checks bearer tokens only.
      dPoP: { enabled: false },
      // A grant without a user exists only for clients the operator configured with it.
      clientCredentials: { enabled: [...machineClients(config).values()].some((client) => client.grants.has('client_credentials')) },
    },
    formats: { customizers: { jwt: machineTokenCustomizer(config) } },
  };
  return mergeLayers<Configuration>(defaults, ...(parts.fragments ?? []), enforced);
}
