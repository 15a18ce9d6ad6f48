import type { z } from 'zod';
import { ConfigError } from '../errors.js';
import { ENV_NAMES } from './env.js';
import { configSchema, type ConfigLayer, type GatehouseConfig } from './schema.js';

function describeIssue(issue: z.core.$ZodIssue): string {
  const path = issue.path.join('.');
  const env = ENV_NAMES[path] ?? ENV_NAMES[issue.path.slice(0, 2).join('.')];
  const where = path === '' ? 'config' : env ? `${path} (${env})` : path;
  if (issue.code === 'invalid_type' && issue.input === undefined) {
    const hint = path === 'issuer'
      ? ' Set OAUTH_ISSUER_URL to your identity provider\'s issuer URL, e.g. https://login.example.com/realms/main.'
      : '';
    return `${where} is required.${hint}`;
  }
  if (issue.code === 'unrecognized_keys') return `${where}: unknown setting(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  return `${where}: ${issue.message}`;
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
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  - ${describeIssue(i)}`);
    throw new ConfigError(`Invalid Gatehouse config:\n${lines.join('\n')}`);
  }
  const config = result.data;
  if (!config.publicUrl && !config.trustProxy) {
    throw new ConfigError(
      'Invalid Gatehouse config:\n  - publicUrl (PUBLIC_URL) is required: set it to the URL clients use to reach this server ' +
        '(e.g. https://mcp.example.com), or set trustProxy (GATEHOUSE_TRUST_PROXY=true) when a proxy you trust sets X-Forwarded-Host/Proto.',
    );
  }
  return config;
}
