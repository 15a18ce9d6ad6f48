import { z } from 'zod';
import { scopeList } from '../fields.js';
import { bool, json, list, listsByName, num, type EnvTable } from '../values.js';
import { idJagSchema } from './id-jag.js';

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
  /** `redis://[user:password@]host[:port][/db]` or `rediss://` (TLS) for `store: redis`. */
  redisUrl: z
    .string()
    .regex(/^rediss?:\/\//i, 'a redis:// or rediss:// URL (credentials in it: redis://user:password@host:6379/0)')
    .optional(),
  /** Put before every Redis key, so several deployments can share one Redis. */
  redisPrefix: z.string().min(1).max(128).default('gatehouse:'),
  /**
   * The secret every instance on a shared store has (at least 32 characters):
   * it encrypts the signing keys kept in Redis and keys the sign-in cookies,
   * so any instance reads what another wrote; the broker derives its
   * encryption key for upstream tokens at rest from it. Required with
   * `store: redis`; unset otherwise, the broker generates one kept 0600 in
   * the state directory.
   */
  secret: z.string().min(32, 'at least 32 random characters, the same on every instance (e.g. openssl rand -base64 32)').optional(),
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
  /**
   * A token bucket in front of the token endpoint, per confidential client
   * (HTTP Basic) or else per caller address: generous, so a hosted client
   * refreshing for many users behind one egress keeps working.
   */
  tokenRateLimit: z
    .object({
      /** Token requests one client (or address) may make at once. */
      burst: z.number().int().min(1).max(1_000_000).default(300),
      /** Seconds for one more token request to come back. */
      refillSec: z.number().min(0.001).max(86_400).default(0.1),
    })
    .prefault({}),
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
  /** ID-JAGs from enterprise IdPs (SEP-990), redeemed with the JWT bearer grant: served only when an issuer is trusted. */
  idJag: idJagSchema.prefault({}),
});

/** Env vars of the `authority` section, by setting path. */
export const AUTHORITY_ENV: EnvTable = {
  'authority.env': ['GATEHOUSE_ENV'],
  'authority.stateDir': ['GATEHOUSE_STATE_DIR'],
  'authority.store': ['GATEHOUSE_STORE'],
  'authority.redisUrl': ['GATEHOUSE_REDIS_URL'],
  'authority.redisPrefix': ['GATEHOUSE_REDIS_PREFIX'],
  'authority.secret': ['GATEHOUSE_SECRET'],
  'authority.devLogin': ['GATEHOUSE_DEV_LOGIN', bool],
  'authority.usersFile': ['GATEHOUSE_USERS_FILE'],
  'authority.signInThrottle.accountFailures': ['GATEHOUSE_SIGNIN_ACCOUNT_FAILURES', num],
  'authority.signInThrottle.accountMaxDelaySec': ['GATEHOUSE_SIGNIN_ACCOUNT_MAX_DELAY', num],
  'authority.signInThrottle.addressBurst': ['GATEHOUSE_SIGNIN_ADDRESS_BURST', num],
  'authority.signInThrottle.addressRefillSec': ['GATEHOUSE_SIGNIN_ADDRESS_REFILL', num],
  'authority.registeredClientIdleDays': ['GATEHOUSE_REGISTERED_CLIENT_IDLE_DAYS', num],
  'authority.tokenRateLimit.burst': ['GATEHOUSE_TOKEN_BURST', num],
  'authority.tokenRateLimit.refillSec': ['GATEHOUSE_TOKEN_REFILL', num],
  'authority.registrationRateLimit.burst': ['GATEHOUSE_REGISTRATION_BURST', num],
  'authority.registrationRateLimit.refillSec': ['GATEHOUSE_REGISTRATION_REFILL', num],
  'authority.restrictedScopes': ['GATEHOUSE_RESTRICTED_SCOPES', list],
  'authority.roles': ['GATEHOUSE_ROLES', listsByName],
  'authority.accessTokenTtlSec': ['GATEHOUSE_ACCESS_TOKEN_TTL', num],
  'authority.refreshTokenTtlSec': ['GATEHOUSE_REFRESH_TOKEN_TTL', num],
  'authority.registration.dcr': ['GATEHOUSE_DCR'],
  'authority.registration.initialAccessToken': ['GATEHOUSE_DCR_INITIAL_ACCESS_TOKEN'],
  'authority.registration.allowedRedirectHosts': ['GATEHOUSE_DCR_REDIRECT_HOSTS', list],
  'authority.cimd.enabled': ['GATEHOUSE_CIMD', bool],
  'authority.cimd.allowPrivateAddresses': ['GATEHOUSE_CIMD_ALLOW_PRIVATE', bool],
  'authority.clients': ['GATEHOUSE_CLIENTS', json],
  'authority.tokenExchange.policies': ['GATEHOUSE_TOKEN_EXCHANGE_POLICIES', json],
  'authority.tokenExchange.tokenTtlSec': ['GATEHOUSE_TOKEN_EXCHANGE_TTL', num],
};

/** One token-exchange policy of the authority. */
export type TokenExchangePolicy = z.output<typeof tokenExchangePolicySchema>;
/** The authority's settings with defaults filled in. */
export type AuthorityConfig = z.output<typeof authoritySchema>;
