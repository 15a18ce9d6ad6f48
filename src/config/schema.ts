import { z } from 'zod';

/**
 * The one typed config of Gatehouse. Everything has a default except the
 * issuer (resource-server mode) and, unless a trusted proxy sets the origin,
 * the public URL.
 */

const url = (what: string) =>
  z.string({ error: `${what} must be a URL string` }).check((ctx) => {
    if (!URL.canParse(ctx.value)) {
      ctx.issues.push({ code: 'custom', input: ctx.value, message: `"${ctx.value}" is not an absolute URL (e.g. https://example.com)` });
    } else if (!/^https?:$/.test(new URL(ctx.value).protocol)) {
      ctx.issues.push({ code: 'custom', input: ctx.value, message: `"${ctx.value}" must use http: or https:` });
    }
  });

const scopeList = z.array(z.string().regex(/^[\x21\x23-\x5B\x5D-\x7E]+$/, 'a scope is printable ASCII without spaces, quotes or backslashes'));

export const jwtOptionsSchema = z.object({
  /** Accepted JWS algorithms. `none` and HMAC are never accepted with a JWKS. */
  algorithms: z
    .array(z.enum(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519']))
    .min(1)
    .default(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519']),
  /** Seconds of clock skew tolerated on `exp`, `nbf` and `iat`. */
  clockToleranceSec: z.number().int().min(0).max(300).default(30),
  /** Require the RFC 9068 header `typ: at+jwt`. */
  requireAccessTokenType: z.boolean().default(false),
  /** Tokens longer than this many bytes are refused before parsing. */
  maxTokenBytes: z.number().int().min(256).max(1_000_000).default(16_384),
  /** The JWKS URL, when the issuer's metadata has none or a wrong one. */
  jwksUri: url('jwt.jwksUri').optional(),
  /** The shortest time between two JWKS refetches caused by unknown `kid`s. */
  jwksCooldownSec: z.number().min(0).default(30),
  /** How long fetched keys are considered fresh. */
  jwksMaxAgeSec: z.number().min(1).default(600),
  /**
   * How long a verified JWT's result is reused for the same token (never past
   * its `exp`), so a client repeating its token skips the signature check.
   * 0 turns the cache off.
   */
  cacheTtlSec: z.number().min(0).max(3600).default(60),
  /** Bound on cached verification results. */
  cacheMaxEntries: z.number().int().min(0).default(10_000),
});

export const introspectionSchema = z.object({
  /** RFC 7662 endpoint; defaults to the issuer's `introspection_endpoint`. */
  endpoint: url('introspection.endpoint').optional(),
  clientId: z.string().min(1),
  clientSecret: z.string().min(1),
  /** `opaque`: only tokens that are not JWTs are introspected; `always`: every token. */
  use: z.enum(['opaque', 'always']).default('opaque'),
  cacheTtlSec: z.number().min(0).default(60),
  cacheMaxEntries: z.number().int().min(0).default(10_000),
});

const clientSchema = z
  .object({
    client_id: z.string().min(1),
    client_secret: z.string().min(1).optional(),
    client_name: z.string().optional(),
    redirect_uris: z.array(z.string()).default([]),
    grant_types: z.array(z.string()).optional(),
    response_types: z.array(z.string()).optional(),
    token_endpoint_auth_method: z.string().optional(),
    application_type: z.enum(['web', 'native']).optional(),
    scope: z.string().optional(),
  })
  .loose();

/**
 * The MCP server's own confidential client, for on-behalf-of calls: tool
 * handlers trade the caller's token for one whose audience is a downstream
 * API (RFC 8693 token exchange, or Entra ID's on-behalf-of flow).
 */
export const exchangeSchema = z
  .object({
    /** `rfc8693` (Keycloak, Okta, Auth0, Gatehouse's authority) or `entra-obo` (Entra ID's on-behalf-of flow). */
    variant: z.enum(['rfc8693', 'entra-obo']).default('rfc8693'),
    /** The token endpoint; defaults to the one in the metadata of `issuer`. */
    tokenEndpoint: url('exchange.tokenEndpoint').optional(),
    /** Whose metadata names the token endpoint; defaults to the gate's issuer. */
    issuer: url('exchange.issuer').optional(),
    clientId: z.string().min(1),
    clientSecret: z.string().min(1).optional(),
    /** Defaults to `private_key_jwt` with a `privateKey`, else `client_secret_basic` (`client_secret_post` for `entra-obo`). */
    authMethod: z.enum(['client_secret_basic', 'client_secret_post', 'private_key_jwt']).optional(),
    /** PEM (PKCS#8) or JWK (JSON) private key that signs client assertions (`private_key_jwt`). */
    privateKey: z.string().min(1).optional(),
    privateKeyAlg: z.enum(['RS256', 'PS256', 'ES256', 'EdDSA']).default('RS256'),
    /** `kid` of the assertion's header: the key's id as registered at the authorization server. */
    privateKeyId: z.string().min(1).optional(),
    /** Base64url SHA-1 thumbprint of the key's certificate, sent as `x5t` (Entra ID certificate credentials). */
    certificateThumbprint: z.string().regex(/^[A-Za-z0-9_-]{27}$/, 'a base64url SHA-1 thumbprint (27 characters)').optional(),
    /** Bound on cached exchanged tokens. 0 turns the cache off. */
    cacheMaxEntries: z.number().int().min(0).default(10_000),
    /** A cached token is replaced this many seconds before it expires. */
    refreshSkewSec: z.number().int().min(0).max(600).default(30),
    timeoutMs: z.number().int().min(100).max(60_000).default(5000),
  })
  .check((ctx) => {
    const { clientSecret, privateKey, authMethod } = ctx.value;
    if (!clientSecret && !privateKey) {
      ctx.issues.push({ code: 'custom', input: ctx.value, path: ['clientSecret'], message: 'the exchange client needs a clientSecret or a privateKey' });
    } else if (authMethod === 'private_key_jwt' && !privateKey) {
      ctx.issues.push({ code: 'custom', input: ctx.value, path: ['privateKey'], message: 'authMethod private_key_jwt needs a privateKey' });
    } else if (authMethod !== undefined && authMethod !== 'private_key_jwt' && !clientSecret) {
      ctx.issues.push({ code: 'custom', input: ctx.value, path: ['clientSecret'], message: `authMethod ${authMethod} needs a clientSecret` });
    }
  });

/**
 * Which clients of the authority may exchange its access tokens (RFC 8693),
 * for which downstream audiences and scopes.
 */
export const tokenExchangePolicySchema = z.object({
  /** The acting client's `client_id` (the MCP server's confidential client). */
  client: z.string().min(1),
  /** Downstream audiences (`audience` or `resource` values) this client may get tokens for. */
  audiences: z.array(z.string().min(1)).min(1),
  /**
   * Scopes the exchanged token may carry. Unset: only scopes the subject
   * token already carries (down-scoping only). Set: exactly these may be
   * granted, even ones the subject token does not carry.
   */
  scopes: scopeList.optional(),
});

/** Gatehouse's own authorization server (authority mode: no `issuer` configured). */
export const authoritySchema = z.object({
  /** `production` turns on the guard rails: no dev sign-in, a public https URL, DCR by policy. */
  env: z.enum(['development', 'production']).default('development'),
  /** Keys, the file store and generated secrets live here; files are 0600. */
  stateDir: z.string().min(1).default('.gatehouse'),
  /** Where grants, sessions, codes and tokens are kept. `memory` loses them on restart. */
  store: z.enum(['file', 'memory', 'redis']).default('file'),
  redisUrl: z.string().optional(),
  /** The development sign-in page: any username, no password. Defaults to on outside production. */
  devLogin: z.boolean().optional(),
  /** Users with password hashes (`gatehouse users add`); defaults to `<stateDir>/users.json`. */
  usersFile: z.string().optional(),
  /** Failed password sign-ins slow down: `429` with `Retry-After`, per account and per client address. */
  signInThrottle: z
    .object({
      /** Failures in a row on one account that cost nothing; after them each attempt waits 1 s, 2 s, 4 s... */
      accountFailures: z.number().int().min(1).max(100).default(5),
      /** The longest wait between attempts on one account; a successful sign-in starts over. */
      accountMaxDelaySec: z.number().int().min(1).max(86_400).default(900),
      /** Attempts one client address (IPv6: one /64) may make in a burst, over all accounts. */
      addressBurst: z.number().int().min(1).max(100_000).default(30),
      /** Seconds for an address to get one attempt back; a successful sign-in gives its attempt back at once. */
      addressRefillSec: z.number().min(0.1).max(3600).default(10),
    })
    .prefault({}),
  /**
   * Days a dynamically registered client is kept without being used; each
   * authorization or token request naming it starts the time over.
   * Configured clients never expire.
   */
  registeredClientIdleDays: z.number().int().min(1).max(3650).default(30),
  /**
   * Dynamic registrations per client address (IPv6: one /64): a token bucket,
   * so a source gets `burst` at once and then one more per `refillSec`. It
   * limits the rate, not the total: a hosted client whose users share one
   * egress address keeps registering, just not hundreds a second.
   */
  registrationRateLimit: z
    .object({
      /** Registrations one address may make at once. */
      burst: z.number().int().min(1).max(100_000).default(20),
      /** Seconds for an address to get one registration back. */
      refillSec: z.number().min(0.1).max(86_400).default(30),
    })
    .prefault({}),
  /**
   * Scopes granted only to users entitled to them (their `scopes` or
   * `roles` in the users file); anyone else's request for one is narrowed
   * away. Every scope a role names is restricted too.
   */
  restrictedScopes: scopeList.default([]),
  /** Roles of the users file and the restricted scopes each one entitles to, e.g. `{ "admin": ["mcp:admin"] }`. */
  roles: z.record(z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'a role is 1-64 letters, digits or _ . : -'), scopeList).default({}),
  /** Path prefix of the authorization server's endpoints on this origin. */
  routePrefix: z.string().regex(/^\/[A-Za-z0-9/_-]*[A-Za-z0-9_-]$/, 'a path such as /oauth').default('/oauth'),
  accessTokenTtlSec: z.number().int().min(60).max(86_400).default(3600),
  refreshTokenTtlSec: z.number().int().min(300).default(14 * 86_400),
  /** A rotated refresh token still works this long, so two concurrent refreshes do not end the session. */
  refreshGraceSec: z.number().int().min(0).max(600).default(60),
  /** Signing keys generated on first start; the first signs access tokens. */
  signingAlgorithms: z.array(z.enum(['RS256', 'ES256', 'EdDSA'])).min(1).default(['RS256', 'ES256', 'EdDSA']),
  /** Clients known in advance (machine clients with secrets, fixed public clients). */
  clients: z.array(clientSchema).default([]),
  registration: z
    .object({
      /**
       * Dynamic client registration: `open` (anyone), `token` (needs
       * `initialAccessToken`), `allowlist` (redirect hosts must be in
       * `allowedRedirectHosts`), `off`. Defaults to `open` in development;
       * in production to `token` or `allowlist` when configured, else `off`.
       */
      dcr: z.enum(['open', 'token', 'allowlist', 'off']).optional(),
      initialAccessToken: z.string().min(16, 'an initial access token of at least 16 characters').optional(),
      allowedRedirectHosts: z.array(z.string().min(1)).default([]),
    })
    .prefault({}),
  cimd: z
    .object({
      /** Accept `client_id`s that are HTTPS URLs of Client ID Metadata Documents. */
      enabled: z.boolean().default(true),
      /** Fetch documents from private, loopback and link-local addresses; defaults to on only in development. */
      allowPrivateAddresses: z.boolean().optional(),
      maxBytes: z.number().int().min(512).max(1_048_576).default(5120),
      timeoutMs: z.number().int().min(100).max(30_000).default(5000),
    })
    .prefault({}),
  /** The token-exchange grant (RFC 8693): served only when a policy names a client. */
  tokenExchange: z
    .object({
      policies: z.array(tokenExchangePolicySchema).default([]),
      /** Lifetime of exchanged tokens; never beyond the subject token's own expiry. */
      tokenTtlSec: z.number().int().min(30).max(3600).default(300),
    })
    .prefault({}),
});

export const configSchema = z.object({
  /**
   * `resource-server`: tokens come from `issuer`. `authority`: Gatehouse
   * issues them itself. Defaults to `resource-server` when `issuer` is set.
   */
  mode: z.enum(['resource-server', 'authority']).optional(),
  /** Where clients reach this server, e.g. `https://mcp.example.com`. No trailing slash needed. */
  publicUrl: url('publicUrl (PUBLIC_URL)').optional(),
  /** The protected MCP endpoint's path. */
  path: z
    .string()
    .regex(/^\/[^?#]*$/, 'path must start with "/" and have no query or fragment')
    .default('/mcp'),
  /**
   * Believe the `X-Forwarded-For` of the one proxy in front (e.g. a TLS
   * terminator) for the client's address, as rate limits see it. Never used
   * for URLs: those come from `publicUrl` only.
   */
  trustProxy: z.boolean().default(false),
  /** The authorization server whose tokens are accepted (`OAUTH_ISSUER_URL`); unset means authority mode. */
  issuer: url('issuer (OAUTH_ISSUER_URL)').optional(),
  /** Accepted `aud` values; defaults to the resource URI. */
  audience: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
  scopes: z
    .object({
      /** Scopes every request to the MCP endpoint needs. */
      required: scopeList.default([]),
      /** Scopes advertised in protected-resource metadata; defaults to required ∪ tool scopes. */
      supported: scopeList.optional(),
      /** Extra scopes per tool, checked on `tools/call`. */
      tools: z.record(z.string(), scopeList).default({}),
    })
    .prefault({}),
  jwt: jwtOptionsSchema.prefault({}),
  introspection: introspectionSchema.optional(),
  discovery: z
    .object({
      /** How often upstream metadata is refetched, in seconds. */
      refreshIntervalSec: z.number().min(10).default(3600),
      /** Fields that replace the upstream's own, for providers with broken metadata. */
      overrides: z.record(z.string(), z.unknown()).default({}),
      /** Milliseconds before a metadata request is abandoned. */
      timeoutMs: z.number().int().min(100).default(5000),
      /**
       * Start even when the issuer's keys cannot be fetched (a deliberate lazy start): `/readyz` answers
       * 503 until they load. Off by default: start-up fails with "Failed to fetch JWKS from <url>".
       */
      lazyStart: z.boolean().default(false),
    })
    .prefault({}),
  /** Serve a patched mirror of the upstream AS metadata on this origin. */
  mirrorMetadata: z.boolean().default(false),
  /** `GET /.well-known/openid-configuration` → 308 to the AS metadata; defaults to `mirrorMetadata`. */
  openidAlias: z.boolean().optional(),
  registration: z
    .object({
      /** A public client pre-registered at the upstream, handed out by the DCR façade. */
      clientId: z.string().min(1).optional(),
      /** Custom redirect schemes accepted besides https and loopback http (e.g. `cursor`, `vscode`). */
      customSchemes: z.array(z.string().regex(/^[a-z][a-z0-9+.-]*$/, 'a URI scheme, lower case, without ":"')).default(['cursor', 'vscode', 'vscode-insiders', 'windsurf', 'zed']),
    })
    .prefault({}),
  authority: authoritySchema.prefault({}),
  /** The MCP server's client for token exchange (on-behalf-of calls to downstream APIs). */
  exchange: exchangeSchema.optional(),
  /** Human-readable name in protected-resource metadata. */
  resourceName: z.string().min(1).default('MCP server'),
  /** Link to human-readable docs in protected-resource metadata. */
  resourceDocumentation: url('resourceDocumentation').optional(),
});

/** What you write: every field with a default is optional. */
export type GatehouseConfigInput = z.input<typeof configSchema>;
/**
 * What Gatehouse uses: every default filled in, the mode decided and the
 * issuer known (in authority mode, the public origin).
 */
export type GatehouseConfig = Omit<z.output<typeof configSchema>, 'mode' | 'issuer'> & {
  mode: 'resource-server' | 'authority';
  issuer: string;
};
/** The exchange client's settings with defaults filled in. */
export type ExchangeConfig = z.output<typeof exchangeSchema>;
/** One token-exchange policy of the authority. */
export type TokenExchangePolicy = z.output<typeof tokenExchangePolicySchema>;
/** The authority's settings with defaults filled in. */
export type AuthorityConfig = z.output<typeof authoritySchema>;
/** One layer of config (a file, env vars, flags): any setting may be absent until layers are merged. */
export type ConfigLayer = Partial<GatehouseConfigInput>;
