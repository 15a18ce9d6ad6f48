import { z } from 'zod';
import { issuerUrl, url } from './fields.js';
import { authoritySchema } from './sections/authority.js';
import { exchangeSchema } from './sections/exchange.js';
import { SCOPES_ENV, scopesSchema } from './sections/scopes.js';
import { bool, json, list, num, oneOrMany, type EnvTable } from './values.js';
import { upstreamSchema } from './sections/upstream.js';
import { LIMITS_ENV, mcpRefusalLimitSchema } from './sections/limits.js';

/**
 * The one typed config of Gatehouse. Everything has a default except the
 * issuer (resource-server mode) and, unless a trusted proxy sets the origin,
 * the public URL.
 */

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
  issuer: issuerUrl('issuer (OAUTH_ISSUER_URL)').optional(),
  /** Accepted `aud` values; defaults to the resource URI. */
  audience: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
  scopes: scopesSchema.prefault({}),
  /**
   * When the gate checks the MCP 2026-07-28 standard headers (`Mcp-Method`,
   * `Mcp-Name`, `MCP-Protocol-Version`) against the body: `when-read` (the
   * body is read anyway, for per-name scopes, or an adapter handed it over
   * parsed) or `always` (every POST's body is read for it; `gatehouse proxy`
   * sets this).
   */
  headerCheck: z.enum(['when-read', 'always']).default('when-read'),
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
  /** Refused tokens at the MCP endpoint, per client address, before `429` (`GATEHOUSE_MCP_REFUSAL_*`). */
  mcpRefusalLimit: mcpRefusalLimitSchema.prefault({}),
  /** The MCP server's client for token exchange (on-behalf-of calls to downstream APIs). */
  exchange: exchangeSchema.optional(),
  /** Broker mode: the authority signs users in at this upstream identity provider (`GATEHOUSE_UPSTREAM_*`). */
  upstream: upstreamSchema.optional(),
  /** Human-readable name in protected-resource metadata. */
  resourceName: z.string().min(1).default('MCP server'),
  /** Link to human-readable docs in protected-resource metadata. */
  resourceDocumentation: url('resourceDocumentation').optional(),
});

/** Env vars of the gate's own settings (the top level of the config), by setting path. */
export const GATE_ENV: EnvTable = {
  publicUrl: ['PUBLIC_URL'],
  path: ['GATEHOUSE_MCP_PATH'],
  trustProxy: ['GATEHOUSE_TRUST_PROXY', bool],
  issuer: ['OAUTH_ISSUER_URL'],
  audience: ['OAUTH_AUDIENCE', oneOrMany],
  ...SCOPES_ENV,
  ...LIMITS_ENV,
  headerCheck: ['GATEHOUSE_HEADER_CHECK'],
  'jwt.algorithms': ['OAUTH_ALGORITHMS', list],
  'jwt.clockToleranceSec': ['OAUTH_CLOCK_TOLERANCE', num],
  'jwt.requireAccessTokenType': ['OAUTH_REQUIRE_AT_JWT', bool],
  'jwt.maxTokenBytes': ['OAUTH_MAX_TOKEN_BYTES', num],
  'jwt.jwksUri': ['OAUTH_JWKS_URL'],
  'jwt.cacheTtlSec': ['OAUTH_TOKEN_CACHE_TTL', num],
  'introspection.endpoint': ['OAUTH_INTROSPECTION_URL'],
  'introspection.clientId': ['OAUTH_INTROSPECTION_CLIENT_ID'],
  'introspection.clientSecret': ['OAUTH_INTROSPECTION_CLIENT_SECRET'],
  'introspection.use': ['OAUTH_INTROSPECTION_USE'],
  'discovery.refreshIntervalSec': ['OAUTH_METADATA_REFRESH', num],
  'discovery.overrides': ['OAUTH_METADATA_OVERRIDES', json],
  mirrorMetadata: ['OAUTH_MIRROR_METADATA', bool],
  openidAlias: ['OAUTH_OPENID_ALIAS', bool],
  'registration.clientId': ['OAUTH_CLIENT_ID'],
  'registration.customSchemes': ['OAUTH_REDIRECT_SCHEMES', list],
  mode: ['GATEHOUSE_MODE'],
  resourceName: ['GATEHOUSE_RESOURCE_NAME'],
  resourceDocumentation: ['GATEHOUSE_RESOURCE_DOCS_URL'],
};

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
/** One layer of config (a file, env vars, flags): any setting may be absent until layers are merged. */
export type ConfigLayer = Partial<GatehouseConfigInput>;
