import { z } from 'zod';
import { certificateThumbprint, url } from '../fields.js';
import { list, num, type EnvTable } from '../values.js';

/**
 * Broker mode: the authority signs users in at an upstream identity
 * provider (one app registered there) instead of local accounts, and issues
 * its own tokens to MCP clients. Set when `upstream.clientId` is set.
 */

/** The upstreams with presets for their quirks; `oidc` is any OpenID Connect provider by discovery. */
export const UPSTREAM_PROVIDERS = ['oidc', 'entra', 'okta', 'google', 'github', 'keycloak', 'auth0'] as const;
export type UpstreamProviderName = (typeof UPSTREAM_PROVIDERS)[number];

export const upstreamSchema = z
  .object({
    /** Which preset applies; `oidc` by default with an issuer, `github` needs none. */
    provider: z.enum(UPSTREAM_PROVIDERS).default('oidc'),
    /** The OIDC issuer (discovery at `<issuer>/.well-known/openid-configuration`); not for `github`. */
    issuer: url('upstream.issuer').optional(),
    /** The one app registered at the upstream; its redirect URI is `<PUBLIC_URL>/oauth/upstream/callback`. */
    clientId: z.string().min(1),
    clientSecret: z.string().min(1).optional(),
    /**
     * Instead of a secret: `private_key_jwt` (RFC 7523), the private key
     * whose public half is registered at the upstream, as PEM (PKCS#8), a
     * private JWK (JSON), or the path of a file holding either.
     */
    privateKey: z.string().min(1).optional(),
    /** The `kid` the upstream knows the key by, when the JWK carries none (Entra: not needed; Okta, Keycloak: the key's id). */
    privateKeyId: z.string().min(1).optional(),
    /** Entra ID (a certificate credential): the certificate's base64url SHA-1 thumbprint, sent as the assertion's `x5t`. */
    certificateThumbprint: certificateThumbprint.optional(),
    /** Scopes asked of the upstream; the preset's defaults when unset (e.g. `openid profile email offline_access`). */
    scopes: z.array(z.string().min(1)).optional(),
    /** GitHub or GitHub Enterprise Server's base URL; its API is `<base>/api/v3` (github.com: `https://api.github.com`). */
    githubUrl: url('upstream.githubUrl').default('https://github.com'),
    /** Auth0: the API identifier asked for as `audience`, so its access tokens are for that API. */
    audience: z.string().min(1).optional(),
    /** The claim of the ID token or userinfo that lists the user's groups (Auth0: a namespaced claim). */
    groupsClaim: z.string().min(1).default('groups'),
    /** How long one call to the upstream may take (metadata at start, sign-in, a refresh); past it the user sees a page naming the upstream and the step. */
    timeoutMs: z.number().int().min(100).max(60_000).default(10_000),
    /** Who may sign in; every list empty: anyone the upstream signs in. */
    allowed: z
      .object({
        /** Exact addresses (case-insensitive); the upstream must say they are verified. */
        emails: z.array(z.string().min(3)).default([]),
        /** Domains of verified addresses (Google: also the `hd` claim). */
        domains: z.array(z.string().min(1)).default([]),
        /** Groups from the groups claim; for GitHub, organisations (`acme`) and teams (`acme/platform`). */
        groups: z.array(z.string().min(1)).default([]),
      })
      .prefault({}),
  })
  .check((ctx) => {
    const { provider, issuer } = ctx.value;
    if (provider !== 'github' && !issuer) {
      ctx.issues.push({
        code: 'custom',
        input: ctx.value,
        path: ['issuer'],
        message: `the ${provider} upstream needs its issuer URL (GATEHOUSE_UPSTREAM_ISSUER), e.g. ${ISSUER_EXAMPLES[provider]}`,
      });
    }
    if (ctx.value.clientSecret && ctx.value.privateKey) {
      ctx.issues.push({ code: 'custom', input: ctx.value, path: ['privateKey'], message: 'set one client authentication: GATEHOUSE_UPSTREAM_CLIENT_SECRET or GATEHOUSE_UPSTREAM_PRIVATE_KEY (private_key_jwt), not both' });
    }
    if (provider === 'github' && ctx.value.privateKey) {
      ctx.issues.push({ code: 'custom', input: ctx.value, path: ['privateKey'], message: 'GitHub OAuth apps authenticate with a client secret only: unset GATEHOUSE_UPSTREAM_PRIVATE_KEY' });
    }
    if (provider === 'github' && issuer) {
      ctx.issues.push({ code: 'custom', input: ctx.value, path: ['issuer'], message: 'GitHub has no OIDC issuer for sign-in: unset it and set GATEHOUSE_UPSTREAM_GITHUB_URL for Enterprise Server' });
    }
  });

const ISSUER_EXAMPLES: Record<UpstreamProviderName, string> = {
  oidc: 'https://idp.example.com',
  entra: 'https://login.microsoftonline.com/<tenant-id>/v2.0',
  okta: 'https://<org>.okta.com/oauth2/default',
  google: 'https://accounts.google.com',
  github: '',
  keycloak: 'https://keycloak.example.com/realms/<realm>',
  auth0: 'https://<tenant>.auth0.com/',
};

/** Env vars of the `upstream` section, by setting path. */
export const UPSTREAM_ENV: EnvTable = {
  'upstream.provider': ['GATEHOUSE_UPSTREAM_PROVIDER'],
  'upstream.issuer': ['GATEHOUSE_UPSTREAM_ISSUER'],
  'upstream.clientId': ['GATEHOUSE_UPSTREAM_CLIENT_ID'],
  'upstream.clientSecret': ['GATEHOUSE_UPSTREAM_CLIENT_SECRET'],
  'upstream.privateKey': ['GATEHOUSE_UPSTREAM_PRIVATE_KEY'],
  'upstream.privateKeyId': ['GATEHOUSE_UPSTREAM_PRIVATE_KEY_ID'],
  'upstream.certificateThumbprint': ['GATEHOUSE_UPSTREAM_CERT_THUMBPRINT'],
  'upstream.scopes': ['GATEHOUSE_UPSTREAM_SCOPES', list],
  'upstream.githubUrl': ['GATEHOUSE_UPSTREAM_GITHUB_URL'],
  'upstream.audience': ['GATEHOUSE_UPSTREAM_AUDIENCE'],
  'upstream.groupsClaim': ['GATEHOUSE_UPSTREAM_GROUPS_CLAIM'],
  'upstream.timeoutMs': ['GATEHOUSE_UPSTREAM_TIMEOUT_MS', num],
  'upstream.allowed.emails': ['GATEHOUSE_ALLOWED_EMAILS', list],
  'upstream.allowed.domains': ['GATEHOUSE_ALLOWED_DOMAINS', list],
  'upstream.allowed.groups': ['GATEHOUSE_ALLOWED_GROUPS', list],
};

/** The upstream's settings with defaults filled in. */
export type UpstreamConfig = z.output<typeof upstreamSchema>;
