import * as oidc from 'openid-client';
import type { UpstreamConfig } from '../../config/sections/upstream.js';
import { ConfigError, UpstreamError } from '../../errors.js';
import { isLoopbackHost } from '../../http/loopback.js';
import { upstreamClientAuth } from './client-auth.js';
import { upstreamFailure } from './failures.js';
import { identityFromClaims } from './identity.js';
import { PRESETS, upstreamScopes } from './presets.js';
import type { Upstream, UpstreamTokenSet } from './types.js';

/** Entra's multi-tenant endpoints publish `{tenantid}` as their issuer, which no ID token carries. */
const ENTRA_MULTI_TENANT = /^\/(common|organizations|consumers)(\/|$)/;

/**
 * An OpenID Connect upstream found by discovery (openid-client v6): the code
 * flow with PKCE S256, `state` and `nonce`, the RFC 9207 `iss` of the
 * callback checked when the upstream advertises it, and the ID token's
 * `iss`, `aud`, `nonce` and expiry always. Fails with an `UpstreamError`
 * naming the upstream when its metadata cannot be fetched.
 *
 * @example
 * ```ts
 * const upstream = await connectOidcUpstream(config.upstream, 'https://mcp.example.com/oauth/upstream/callback');
 * ```
 */
export async function connectOidcUpstream(config: UpstreamConfig, callbackUrl: string): Promise<Upstream> {
  const preset = PRESETS[config.provider];
  const issuer = new URL(config.issuer!);
  if (config.provider === 'entra' && ENTRA_MULTI_TENANT.test(issuer.pathname)) {
    throw new ConfigError(
      `GATEHOUSE_UPSTREAM_ISSUER ${issuer.href} is one of Entra ID's multi-tenant endpoints, whose tokens name each user's own tenant as issuer. ` +
        'Use your tenant: https://login.microsoftonline.com/<tenant-id>/v2.0',
    );
  }
  const label = `${preset.displayName} (${issuer.host})`;
  const insecure = issuer.protocol === 'http:' && isLoopbackHost(issuer.hostname);
  // The assertion's audience (Entra) is the token endpoint, known once discovery answered.
  let discovered: oidc.Configuration | undefined;
  const auth = await upstreamClientAuth(config, () => discovered?.serverMetadata().token_endpoint);
  let configuration: oidc.Configuration;
  try {
    configuration = discovered = await oidc.discovery(issuer, config.clientId, auth.metadata, auth.clientAuthentication, {
      execute: insecure ? [oidc.allowInsecureRequests] : [],
      timeout: config.timeoutMs / 1000,
    });
  } catch (err) {
    const failure = upstreamFailure(err, label, `fetching its metadata from ${issuer.href.replace(/\/$/, '')}/.well-known/openid-configuration`, config.timeoutMs);
    throw new UpstreamError(failure.code, `Cannot start broker mode: ${failure.message}`, { cause: err });
  }
  configuration.timeout = config.timeoutMs / 1000;
  const scope = upstreamScopes(config).join(' ');

  async function userInfo(accessToken: string, expectedSubject?: string): Promise<Record<string, unknown>> {
    if (!configuration.serverMetadata().userinfo_endpoint) return {};
    try {
      return { ...(await oidc.fetchUserInfo(configuration, accessToken, expectedSubject ?? oidc.skipSubjectCheck)) };
    } catch (err) {
      throw upstreamFailure(err, label, 'reading the user from its userinfo endpoint', config.timeoutMs);
    }
  }

  return {
    provider: config.provider,
    label,
    callbackUrl,
    async authorizationUrl(secrets) {
      return oidc.buildAuthorizationUrl(configuration, {
        ...preset.authorizationParams(config),
        redirect_uri: callbackUrl,
        scope,
        state: secrets.state,
        nonce: secrets.nonce,
        code_challenge: await oidc.calculatePKCECodeChallenge(secrets.codeVerifier),
        code_challenge_method: 'S256',
      });
    },
    async finish(callback, secrets) {
      let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
      try {
        tokens = await oidc.authorizationCodeGrant(configuration, callback, {
          pkceCodeVerifier: secrets.codeVerifier,
          expectedState: secrets.state,
          expectedNonce: secrets.nonce,
          idTokenExpected: true,
        });
      } catch (err) {
        throw upstreamFailure(err, label, 'redeeming the sign-in code', config.timeoutMs);
      }
      const idClaims = tokens.claims() as Record<string, unknown>;
      const fromUserInfo = await userInfo(tokens.access_token, String(idClaims.sub));
      const identity = identityFromClaims(config, { ...fromUserInfo, ...idClaims });
      return { identity, tokens: tokenSet(tokens) };
    },
    async refresh(refreshToken) {
      try {
        return tokenSet(await oidc.refreshTokenGrant(configuration, refreshToken));
      } catch (err) {
        throw upstreamFailure(err, label, 'refreshing an access token', config.timeoutMs);
      }
    },
    userInfo: (accessToken) => userInfo(accessToken),
  };
}

function tokenSet(tokens: oidc.TokenEndpointResponse): UpstreamTokenSet {
  return {
    accessToken: tokens.access_token,
    ...(tokens.refresh_token ? { refreshToken: tokens.refresh_token } : {}),
    ...(tokens.id_token ? { idToken: tokens.id_token } : {}),
    ...(typeof tokens.expires_in === 'number' ? { expiresAt: Date.now() + tokens.expires_in * 1000 } : {}),
    ...(tokens.scope ? { scope: tokens.scope } : {}),
  };
}
