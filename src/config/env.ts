import { ConfigError } from '../errors.js';
import type { ConfigLayer } from './schema.js';

/**
 * Which env var sets which config path; used both to read env vars and to
 * name the env var in error messages.
 */
export const ENV_NAMES: Record<string, string> = {
  publicUrl: 'PUBLIC_URL',
  path: 'GATEHOUSE_MCP_PATH',
  trustProxy: 'GATEHOUSE_TRUST_PROXY',
  issuer: 'OAUTH_ISSUER_URL',
  audience: 'OAUTH_AUDIENCE',
  'scopes.required': 'OAUTH_SCOPES',
  'scopes.supported': 'OAUTH_SCOPES_SUPPORTED',
  'scopes.tools': 'OAUTH_TOOL_SCOPES',
  'jwt.algorithms': 'OAUTH_ALGORITHMS',
  'jwt.clockToleranceSec': 'OAUTH_CLOCK_TOLERANCE',
  'jwt.requireAccessTokenType': 'OAUTH_REQUIRE_AT_JWT',
  'jwt.maxTokenBytes': 'OAUTH_MAX_TOKEN_BYTES',
  'jwt.jwksUri': 'OAUTH_JWKS_URL',
  'jwt.cacheTtlSec': 'OAUTH_TOKEN_CACHE_TTL',
  'introspection.endpoint': 'OAUTH_INTROSPECTION_URL',
  'introspection.clientId': 'OAUTH_INTROSPECTION_CLIENT_ID',
  'introspection.clientSecret': 'OAUTH_INTROSPECTION_CLIENT_SECRET',
  'introspection.use': 'OAUTH_INTROSPECTION_USE',
  'discovery.refreshIntervalSec': 'OAUTH_METADATA_REFRESH',
  'discovery.overrides': 'OAUTH_METADATA_OVERRIDES',
  mirrorMetadata: 'OAUTH_MIRROR_METADATA',
  openidAlias: 'OAUTH_OPENID_ALIAS',
  'registration.clientId': 'OAUTH_CLIENT_ID',
  'registration.customSchemes': 'OAUTH_REDIRECT_SCHEMES',
  mode: 'GATEHOUSE_MODE',
  'authority.env': 'GATEHOUSE_ENV',
  'authority.stateDir': 'GATEHOUSE_STATE_DIR',
  'authority.store': 'GATEHOUSE_STORE',
  'authority.redisUrl': 'GATEHOUSE_REDIS_URL',
  'authority.devLogin': 'GATEHOUSE_DEV_LOGIN',
  'authority.usersFile': 'GATEHOUSE_USERS_FILE',
  'authority.signInThrottle.accountFailures': 'GATEHOUSE_SIGNIN_ACCOUNT_FAILURES',
  'authority.signInThrottle.accountMaxDelaySec': 'GATEHOUSE_SIGNIN_ACCOUNT_MAX_DELAY',
  'authority.signInThrottle.addressBurst': 'GATEHOUSE_SIGNIN_ADDRESS_BURST',
  'authority.signInThrottle.addressRefillSec': 'GATEHOUSE_SIGNIN_ADDRESS_REFILL',
  'authority.registeredClientIdleDays': 'GATEHOUSE_REGISTERED_CLIENT_IDLE_DAYS',
  'authority.registrationRateLimit.burst': 'GATEHOUSE_REGISTRATION_BURST',
  'authority.registrationRateLimit.refillSec': 'GATEHOUSE_REGISTRATION_REFILL',
  'authority.restrictedScopes': 'GATEHOUSE_RESTRICTED_SCOPES',
  'authority.roles': 'GATEHOUSE_ROLES',
  'authority.accessTokenTtlSec': 'GATEHOUSE_ACCESS_TOKEN_TTL',
  'authority.refreshTokenTtlSec': 'GATEHOUSE_REFRESH_TOKEN_TTL',
  'authority.registration.dcr': 'GATEHOUSE_DCR',
  'authority.registration.initialAccessToken': 'GATEHOUSE_DCR_INITIAL_ACCESS_TOKEN',
  'authority.registration.allowedRedirectHosts': 'GATEHOUSE_DCR_REDIRECT_HOSTS',
  'authority.cimd.enabled': 'GATEHOUSE_CIMD',
  'authority.cimd.allowPrivateAddresses': 'GATEHOUSE_CIMD_ALLOW_PRIVATE',
  'authority.clients': 'GATEHOUSE_CLIENTS',
  'authority.tokenExchange.policies': 'GATEHOUSE_TOKEN_EXCHANGE_POLICIES',
  'authority.tokenExchange.tokenTtlSec': 'GATEHOUSE_TOKEN_EXCHANGE_TTL',
  'exchange.variant': 'OAUTH_EXCHANGE_VARIANT',
  'exchange.tokenEndpoint': 'OAUTH_EXCHANGE_TOKEN_URL',
  'exchange.issuer': 'OAUTH_EXCHANGE_ISSUER_URL',
  'exchange.clientId': 'OAUTH_EXCHANGE_CLIENT_ID',
  'exchange.clientSecret': 'OAUTH_EXCHANGE_CLIENT_SECRET',
  'exchange.authMethod': 'OAUTH_EXCHANGE_AUTH_METHOD',
  'exchange.privateKey': 'OAUTH_EXCHANGE_PRIVATE_KEY',
  'exchange.privateKeyAlg': 'OAUTH_EXCHANGE_PRIVATE_KEY_ALG',
  'exchange.privateKeyId': 'OAUTH_EXCHANGE_PRIVATE_KEY_ID',
  'exchange.certificateThumbprint': 'OAUTH_EXCHANGE_CERT_THUMBPRINT',
  resourceName: 'GATEHOUSE_RESOURCE_NAME',
  resourceDocumentation: 'GATEHOUSE_RESOURCE_DOCS_URL',
};

function list(value: string): string[] {
  return value.split(/[\s,]+/).filter(Boolean);
}

function bool(name: string, value: string): boolean {
  if (/^(1|true|yes|on)$/i.test(value)) return true;
  if (/^(0|false|no|off)$/i.test(value)) return false;
  throw new ConfigError(`${name}="${value}" is not a boolean: use true or false`);
}

function num(name: string, value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new ConfigError(`${name}="${value}" is not a number`);
  return n;
}

function json(name: string, value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    throw new ConfigError(`${name} is not valid JSON: ${value.slice(0, 80)}`);
  }
}

/**
 * Tool scopes from `OAUTH_TOOL_SCOPES` (and role scopes from `GATEHOUSE_ROLES`,
 * the same shape): JSON (`{"delete_file":["files:write"]}`)
 * or the short form `delete_file=files:write files:admin;other=x`.
 */
function toolScopes(name: string, value: string): Record<string, string[]> {
  if (value.trim().startsWith('{')) return json(name, value) as Record<string, string[]>;
  const out: Record<string, string[]> = {};
  for (const part of value.split(';').map((p) => p.trim()).filter(Boolean)) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new ConfigError(`${name}: "${part}" should look like tool=scope1 scope2 (tools separated by ";")`);
    out[part.slice(0, eq).trim()] = list(part.slice(eq + 1));
  }
  return out;
}

function set(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) node = (node[key] ??= {}) as Record<string, unknown>;
  node[keys[keys.length - 1]!] = value;
}

/**
 * Reads the gate's config from env vars (`OAUTH_*`, `GATEHOUSE_*`, `PUBLIC_URL`).
 * Unset and empty variables are left out, so defaults and files still apply.
 *
 * @example
 * ```ts
 * const input = configFromEnv(process.env);
 * const gate = createGatehouse(input);
 * ```
 */
export function configFromEnv(env: Record<string, string | undefined>): ConfigLayer {
  const out: Record<string, unknown> = {};
  for (const [path, name] of Object.entries(ENV_NAMES)) {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') continue;
    const value = raw.trim();
    let parsed: unknown;
    switch (path) {
      case 'trustProxy':
      case 'mirrorMetadata':
      case 'openidAlias':
      case 'jwt.requireAccessTokenType':
      case 'authority.devLogin':
      case 'authority.cimd.enabled':
      case 'authority.cimd.allowPrivateAddresses':
        parsed = bool(name, value);
        break;
      case 'jwt.clockToleranceSec':
      case 'jwt.maxTokenBytes':
      case 'jwt.cacheTtlSec':
      case 'discovery.refreshIntervalSec':
      case 'authority.accessTokenTtlSec':
      case 'authority.refreshTokenTtlSec':
      case 'authority.tokenExchange.tokenTtlSec':
      case 'authority.signInThrottle.accountFailures':
      case 'authority.signInThrottle.accountMaxDelaySec':
      case 'authority.signInThrottle.addressBurst':
      case 'authority.signInThrottle.addressRefillSec':
      case 'authority.registeredClientIdleDays':
      case 'authority.registrationRateLimit.burst':
      case 'authority.registrationRateLimit.refillSec':
        parsed = num(name, value);
        break;
      case 'audience':
        parsed = list(value).length > 1 ? list(value) : value;
        break;
      case 'scopes.required':
      case 'scopes.supported':
      case 'jwt.algorithms':
      case 'registration.customSchemes':
      case 'authority.registration.allowedRedirectHosts':
      case 'authority.restrictedScopes':
        parsed = list(value);
        break;
      case 'scopes.tools':
      case 'authority.roles':
        parsed = toolScopes(name, value);
        break;
      case 'discovery.overrides':
      case 'authority.clients':
      case 'authority.tokenExchange.policies':
        parsed = json(name, value);
        break;
      default:
        parsed = value;
    }
    set(out, path, parsed);
  }
  return out as ConfigLayer;
}
