/**
 * An upstream identity provider shaped like an enterprise IdP (Entra ID,
 * Okta) for broker-mode tests, on a real `oidc-provider`: no registration
 * endpoint, no resource indicators (a `resource` is ignored), opaque access
 * tokens with a short lifetime, refresh tokens, one pre-registered
 * confidential client. ID tokens carry only `sub` (oidc-provider's
 * conformIdTokenClaims), so the rest comes from its userinfo endpoint.
 * Users sign in on its dev pages; the login name picks the profile.
 */
import type { ClientMetadata, JWK } from 'oidc-provider';
import { baseConfiguration, startIssuer, type OidcIssuer } from './oidc-issuer.js';

/** A profile; its `sub` is the login name. */
export interface EnterpriseUser {
  email?: string;
  email_verified?: boolean;
  name?: string;
  groups?: string[];
}

export interface EnterpriseIdpOptions {
  /** The broker's callback, the redirect URI registered (several: one app shared by several test servers). */
  redirectUri: string | string[];
  clientId?: string;
  clientSecret?: string;
  /** Seconds; short by default, as enterprise IdPs' are compared to a session. */
  accessTokenTtl?: number;
  /** Profiles by login name (= `sub`); any other login has only its `sub`. */
  users?: Record<string, EnterpriseUser>;
  /**
   * Rotate refresh tokens on every use, as Okta, Auth0 and Entra (for SPAs)
   * can: a second use of a spent one is refused and ends the grant there.
   */
  rotateRefreshTokens?: boolean;
  /**
   * The client authenticates with `private_key_jwt` (RFC 7523) by these
   * public keys instead of a secret, as an Entra app with a certificate or
   * an Okta app with a public key does.
   */
  clientJwks?: { keys: JWK[] };
}

export interface EnterpriseIdp extends OidcIssuer {
  clientId: string;
  clientSecret: string;
}

/**
 * Starts it on 127.0.0.1 and a free port.
 *
 * @example
 * ```ts
 * const idp = await startEnterpriseIdp({ redirectUri: 'http://localhost:4000/oauth/upstream/callback' });
 * ```
 */
export async function startEnterpriseIdp(options: EnterpriseIdpOptions): Promise<EnterpriseIdp> {
  const clientId = options.clientId ?? 'gatehouse-broker';
  const clientSecret = options.clientSecret ?? 'broker-secret-for-tests-only-0123456789';
  const users = options.users ?? {};
  const client: ClientMetadata = {
    client_id: clientId,
    ...(options.clientJwks
      ? { jwks: options.clientJwks, token_endpoint_auth_method: 'private_key_jwt' }
      : { client_secret: clientSecret, token_endpoint_auth_method: 'client_secret_basic' }),
    application_type: 'web',
    redirect_uris: [options.redirectUri].flat(),
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
  };
  const started = await startIssuer(async () => {
    const base = await baseConfiguration([]);
    return {
      ...base,
      clients: [client],
      scopes: ['openid', 'offline_access', 'profile', 'email', 'groups'],
      claims: { openid: ['sub'], profile: ['name'], email: ['email', 'email_verified'], groups: ['groups'] },
      ttl: { ...(base.ttl as object), AccessToken: options.accessTokenTtl ?? 3600 },
      ...(options.rotateRefreshTokens ? { rotateRefreshToken: true } : {}),
      features: {
        devInteractions: { enabled: true },
        registration: { enabled: false },
        resourceIndicators: { enabled: false },
        userinfo: { enabled: true },
        revocation: { enabled: true },
      },
      findAccount: function profileOf(_ctx, id) {
        return { accountId: id, claims: () => ({ ...users[id], sub: id }) };
      },
    };
  }, 'openid');
  return { ...started, clientId, clientSecret };
}
