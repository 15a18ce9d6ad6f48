import type { GatehouseConfig } from '../config/schema.js';
import { ConfigError } from '../errors.js';
import { isLoopbackHost } from '../http/loopback.js';
import { cimdAllowsPrivateAddresses, dcrPolicy } from './registration/index.js';

/**
 * What keeps a development setup from reaching production by accident. In
 * production (`authority.env: production`) the authority refuses to start
 * with a setting that would let anyone in or lose every session; in
 * development each insecure setting is named once, loudly, on stderr.
 */

/** Options of {@link checkGuardRails}. */
export interface GuardRailOptions {
  /** True when `publicUrl` was filled in by default (no PUBLIC_URL given), as `gatehouse demo` does. */
  publicUrlDefaulted?: boolean;
}

function devLoginOn(config: GatehouseConfig): boolean {
  // Broker mode signs users in at the upstream: there is no local sign-in, development or not.
  if (config.upstream) return false;
  return config.authority.devLogin ?? config.authority.env !== 'production';
}

/** Settings that stop a production start, each with its fix. */
function productionRefusals(config: GatehouseConfig, options: GuardRailOptions): string[] {
  const issuer = new URL(config.issuer);
  const refusals: string[] = [];
  if (devLoginOn(config)) {
    refusals.push('development sign-in is on (anyone can sign in as anyone): unset GATEHOUSE_DEV_LOGIN and add users with `gatehouse users add`');
  }
  if (options.publicUrlDefaulted) {
    refusals.push('PUBLIC_URL is not set: set it to the https URL clients use (e.g. PUBLIC_URL=https://mcp.example.com); its origin is the issuer of every token');
  }
  if (issuer.protocol === 'http:' && !isLoopbackHost(issuer.hostname)) {
    refusals.push(`the issuer ${config.issuer} uses http: tokens and passwords would cross the network in clear text. Serve it over https and set PUBLIC_URL to the https URL`);
  }
  // A proxy in front means clients come over the network: only PUBLIC_URL can say its https origin (URLs never come from X-Forwarded-*).
  if (config.trustProxy && options.publicUrlDefaulted) {
    refusals.push('GATEHOUSE_TRUST_PROXY is on but PUBLIC_URL is not set: Gatehouse takes no URL from the proxy\'s headers. Set PUBLIC_URL to the https URL the proxy serves');
  } else if (config.trustProxy && issuer.protocol === 'http:') {
    refusals.push(`GATEHOUSE_TRUST_PROXY is on but PUBLIC_URL ${config.issuer} uses http: sign-in cookies would not be Secure and redirects would leave https. Set PUBLIC_URL to the https URL the proxy serves`);
  }
  if (config.authority.store === 'memory') {
    refusals.push('the memory store loses every session and client on restart: use GATEHOUSE_STORE=file (the default), which keeps them under GATEHOUSE_STATE_DIR');
  }
  return refusals;
}

/** Insecure settings worth a warning, in any environment. */
function insecureSettings(config: GatehouseConfig): string[] {
  const issuer = new URL(config.issuer);
  const warnings: string[] = [];
  if (devLoginOn(config)) warnings.push('development sign-in is on: any username signs in without a password (GATEHOUSE_DEV_LOGIN=false turns it off; add users with `gatehouse users add`)');
  if (dcrPolicy(config) === 'open') warnings.push('dynamic client registration is open: anyone can register a client (GATEHOUSE_DCR=token, allowlist or off restricts it)');
  if (issuer.protocol === 'http:') {
    warnings.push(`the issuer ${config.issuer} uses http${isLoopbackHost(issuer.hostname) ? ' (fine on this machine, not on a network)' : ''}`);
  }
  if (config.trustProxy && issuer.protocol === 'http:') {
    warnings.push('GATEHOUSE_TRUST_PROXY is on with an http PUBLIC_URL: behind a TLS terminator set PUBLIC_URL to its https URL, or cookies are not Secure');
  }
  if (config.authority.cimd.enabled && cimdAllowsPrivateAddresses(config)) {
    warnings.push('client metadata documents may be fetched from private and loopback addresses (GATEHOUSE_CIMD_ALLOW_PRIVATE=false refuses them)');
  }
  if (config.authority.store === 'memory') warnings.push('the memory store is in use: a restart signs everybody out and forgets every client');
  return warnings;
}

/**
 * Checks the authority's settings before it starts. In production, throws a
 * `ConfigError` listing every refused setting and its fix; otherwise returns
 * the warnings to print (see {@link printWarnings}).
 *
 * @example
 * ```ts
 * const warnings = checkGuardRails(config, { publicUrlDefaulted: !process.env.PUBLIC_URL });
 * printWarnings(warnings);
 * ```
 */
export function checkGuardRails(config: GatehouseConfig, options: GuardRailOptions = {}): string[] {
  if (config.authority.env === 'production') {
    const refusals = productionRefusals(config, options);
    if (refusals.length > 0) {
      throw new ConfigError(`Gatehouse will not start in production mode (GATEHOUSE_ENV=production):\n${refusals.map((r) => `  - ${r}`).join('\n')}`);
    }
  }
  return insecureSettings(config);
}

/**
 * Prints each warning on its own line, prefixed `gatehouse WARNING:`.
 *
 * @example
 * ```ts
 * printWarnings(checkGuardRails(config), (line) => process.stderr.write(`${line}\n`));
 * ```
 */
export function printWarnings(warnings: readonly string[], write: (line: string) => void = (line) => console.error(line)): void {
  for (const warning of warnings) write(`gatehouse WARNING: ${warning}`);
}
