import { ConfigError } from '../errors.js';
import { ENV_NAMES } from './env.js';
import { describeIssues } from './issues.js';
import { configSchema, type ConfigLayer, type GatehouseConfig } from './schema.js';

/** The configs {@link resolveConfig} made, so that a resolved config handed on is not resolved again. */
const resolved = new WeakSet<object>();

/**
 * Whether a value is a config that {@link resolveConfig} returned: every
 * default filled in, already checked.
 *
 * @example
 * ```ts
 * const config = isResolvedConfig(input) ? input : resolveConfig(input);
 * ```
 */
export function isResolvedConfig(value: unknown): value is GatehouseConfig {
  return typeof value === 'object' && value !== null && resolved.has(value);
}

/**
 * Validates a config and fills in every default. Throws a `ConfigError` whose
 * message lists each wrong setting, with its env var, and how to fix it.
 *
 * @example
 * ```ts
 * const config = resolveConfig({ issuer: 'https://idp.example.com', publicUrl: 'https://mcp.example.com' });
 * config.path; // '/mcp'
 * ```
 */
export function resolveConfig(input: ConfigLayer): GatehouseConfig {
  const result = configSchema.safeParse(input);
  if (!result.success) throw describeIssues(result.error, input, { title: 'Invalid Gatehouse config', envNames: ENV_NAMES });
  const parsed = result.data;
  const mode = parsed.mode ?? (parsed.issuer ? 'resource-server' : 'authority');
  if (mode === 'resource-server') {
    if (!parsed.issuer) {
      throw new ConfigError(
        'Invalid Gatehouse config:\n  - issuer (OAUTH_ISSUER_URL) is required in resource-server mode. Set OAUTH_ISSUER_URL to your ' +
          "identity provider's issuer URL (e.g. https://login.example.com/realms/main), or leave the mode unset to run Gatehouse's own authorization server.",
      );
    }
    if (!parsed.publicUrl) {
      // Every URL Gatehouse publishes, and the audience it accepts, come from here: never from Host or X-Forwarded-*.
      const proxyHint = parsed.trustProxy ? ' GATEHOUSE_TRUST_PROXY does not replace it: it only says whose client address to believe.' : '';
      throw new ConfigError(
        'Invalid Gatehouse config:\n  - publicUrl (PUBLIC_URL) is required: set it to the URL clients use to reach this server ' +
          `(e.g. https://mcp.example.com), behind a proxy the public https URL.${proxyHint}`,
      );
    }
    return remembered({ ...parsed, mode, issuer: parsed.issuer });
  }
  // Authority mode: Gatehouse is the issuer, on the public origin with no path (clients find path-less issuers best).
  if (!parsed.publicUrl) {
    throw new ConfigError(
      'Invalid Gatehouse config:\n  - publicUrl (PUBLIC_URL) is required when Gatehouse is the authorization server: its origin becomes the ' +
        'issuer in every token (e.g. PUBLIC_URL=https://mcp.example.com). Or set OAUTH_ISSUER_URL to use an existing identity provider.',
    );
  }
  if (parsed.issuer && parsed.issuer.replace(/\/$/, '') !== new URL(parsed.publicUrl).origin) {
    throw new ConfigError(
      `Invalid Gatehouse config:\n  - issuer (OAUTH_ISSUER_URL) "${parsed.issuer}" is set with mode "authority"; Gatehouse's issuer is the origin of ` +
        'PUBLIC_URL. Unset OAUTH_ISSUER_URL, or use mode resource-server.',
    );
  }
  return remembered({ ...parsed, mode, issuer: new URL(parsed.publicUrl).origin });
}

function remembered(config: GatehouseConfig): GatehouseConfig {
  resolved.add(config);
  return config;
}
