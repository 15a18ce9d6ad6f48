import { AUTHORITY_ENV } from './sections/authority.js';
import { EXCHANGE_ENV } from './sections/exchange.js';
import { ID_JAG_ENV } from './sections/id-jag.js';
import { UPSTREAM_ENV } from './sections/upstream.js';
import { GATE_ENV, type ConfigLayer } from './schema.js';
import { text, type EnvTable } from './values.js';

/** The env vars of the core config (the gate, the authority, its ID-JAG issuers, the exchange client, the broker's upstream), by setting path. */
const CORE_ENV: EnvTable = { ...GATE_ENV, ...AUTHORITY_ENV, ...ID_JAG_ENV, ...EXCHANGE_ENV, ...UPSTREAM_ENV };

/**
 * The env var names of a table, by setting path.
 *
 * @example
 * ```ts
 * envNames({ 'jwt.jwksUri': ['OAUTH_JWKS_URL'] }); // { 'jwt.jwksUri': 'OAUTH_JWKS_URL' }
 * ```
 */
export function envNames(table: EnvTable): Record<string, string> {
  return Object.fromEntries(Object.entries(table).map(([path, [name]]) => [path, name]));
}

/**
 * Which env var sets which config path; used both to read env vars and to
 * name the env var in error messages.
 */
export const ENV_NAMES: Record<string, string> = envNames(CORE_ENV);

/**
 * The env var that sets a setting or the setting it lies in (`jwt.algorithms.0`: `OAUTH_ALGORITHMS`).
 *
 * @example
 * ```ts
 * envNameOf('authority.roles.admin', ENV_NAMES); // 'GATEHOUSE_ROLES'
 * ```
 */
export function envNameOf(path: string, names: Record<string, string>): string | undefined {
  const parts = path.split('.');
  for (let n = parts.length; n > 0; n--) {
    const name = names[parts.slice(0, n).join('.')];
    if (name) return name;
  }
  return undefined;
}

function setAt(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) node = (node[key] ??= {}) as Record<string, unknown>;
  node[keys[keys.length - 1]!] = value;
}

/**
 * Reads the settings of an env table, each with its parser, into a layer
 * shaped like the config file. Unset and empty variables are left out, so
 * defaults and files still apply.
 *
 * @example
 * ```ts
 * readEnv({ 'server.port': ['PORT', port] }, { PORT: '8080' }); // { server: { port: 8080 } }
 * ```
 */
export function readEnv(table: EnvTable, env: Record<string, string | undefined>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [path, [name, parse = text]] of Object.entries(table)) {
    const value = env[name]?.trim();
    if (value) setAt(out, path, parse(value, name));
  }
  return out;
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
  return readEnv(CORE_ENV, env) as ConfigLayer;
}
