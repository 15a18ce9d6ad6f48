import type { Configuration } from 'oidc-provider';

/** The path of each endpoint of the authorization server, every one present. */
export type AuthorityRoutes = Required<{ [K in keyof NonNullable<Configuration['routes']>]: string }>;

/**
 * Every endpoint of the authorization server, under the route prefix so none
 * collides with the application. The one home of these paths: the provider
 * configuration and every hook that acts on one endpoint read them here.
 *
 * @example
 * ```ts
 * authorityRoutes('/oauth').token; // '/oauth/token'
 * ```
 */
export function authorityRoutes(prefix: string): AuthorityRoutes {
  return {
    authorization: `${prefix}/authorize`,
    token: `${prefix}/token`,
    registration: `${prefix}/register`,
    revocation: `${prefix}/revoke`,
    introspection: `${prefix}/introspect`,
    jwks: `${prefix}/jwks`,
    userinfo: `${prefix}/userinfo`,
    end_session: `${prefix}/logout`,
    pushed_authorization_request: `${prefix}/par`,
    code_verification: `${prefix}/device`,
    device_authorization: `${prefix}/device/auth`,
    backchannel_authentication: `${prefix}/backchannel`,
    challenge: `${prefix}/challenge`,
    credential: `${prefix}/credential`,
  };
}
