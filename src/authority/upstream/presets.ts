import type { UpstreamConfig, UpstreamProviderName } from '../../config/sections/upstream.js';

/**
 * What differs between upstreams, as their documentation describes it:
 * default scopes, extra authorization parameters, where the stable user id
 * is, and what the pages call them. Nothing here sends a `resource`
 * parameter: Entra ID refuses it (AADSTS9010010) and the others ignore it.
 */
export interface UpstreamPreset {
  /** What pages and messages call the provider. */
  displayName: string;
  defaultScopes: string[];
  /** Added to the authorization request. */
  authorizationParams(config: UpstreamConfig): Record<string, string>;
  /** The claim that identifies the user for good (Entra: `oid`, the object id; `sub` is per app there too, but `oid` is the user's across apps). */
  subjectClaim: string;
}

const OIDC_SCOPES = ['openid', 'profile', 'email', 'offline_access'];

export const PRESETS: Record<UpstreamProviderName, UpstreamPreset> = {
  oidc: { displayName: 'your identity provider', defaultScopes: OIDC_SCOPES, authorizationParams: () => ({}), subjectClaim: 'sub' },
  // v2.0 endpoints: scopes are `openid profile email offline_access`; `.default` for an API goes in GATEHOUSE_UPSTREAM_SCOPES.
  entra: { displayName: 'Microsoft Entra ID', defaultScopes: OIDC_SCOPES, authorizationParams: () => ({}), subjectClaim: 'oid' },
  okta: { displayName: 'Okta', defaultScopes: OIDC_SCOPES, authorizationParams: () => ({}), subjectClaim: 'sub' },
  // Google issues a refresh token only with access_type=offline, and again only with prompt=consent; it has no offline_access scope.
  google: {
    displayName: 'Google',
    defaultScopes: ['openid', 'profile', 'email'],
    authorizationParams: (config) => ({
      access_type: 'offline',
      prompt: 'consent',
      // One allowed domain: Google's account chooser offers only its accounts (the `hd` claim is still checked).
      ...(config.allowed.domains.length === 1 ? { hd: config.allowed.domains[0]! } : {}),
    }),
    subjectClaim: 'sub',
  },
  github: { displayName: 'GitHub', defaultScopes: ['read:user', 'user:email'], authorizationParams: () => ({}), subjectClaim: 'id' },
  keycloak: { displayName: 'Keycloak', defaultScopes: OIDC_SCOPES, authorizationParams: () => ({}), subjectClaim: 'sub' },
  // Without `audience`, Auth0 issues an opaque token good only for its userinfo endpoint.
  auth0: {
    displayName: 'Auth0',
    defaultScopes: OIDC_SCOPES,
    authorizationParams: (config): Record<string, string> => (config.audience ? { audience: config.audience } : {}),
    subjectClaim: 'sub',
  },
};

/**
 * The scopes asked of the upstream: the configured ones, else the preset's;
 * for GitHub, `read:org` too when organisations or teams decide who may sign in.
 *
 * @example
 * ```ts
 * upstreamScopes({ provider: 'google', allowed: { emails: [], domains: [], groups: [] } } as UpstreamConfig); // ['openid', 'profile', 'email']
 * ```
 */
export function upstreamScopes(config: UpstreamConfig): string[] {
  const scopes = config.scopes ?? PRESETS[config.provider].defaultScopes;
  if (config.provider === 'github' && config.allowed.groups.length > 0 && !scopes.includes('read:org')) return [...scopes, 'read:org'];
  return scopes;
}
