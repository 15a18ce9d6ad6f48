import { envNameOf } from '../config/env.js';
import { FILE_ENV_NAMES } from '../config/file-shape.js';
import type { ConfigLayer } from '../config/schema.js';

/** Where an effective setting came from, for `gatehouse config check`. */

/** One layer with the name shown for the settings it sets. */
export interface NamedLayer {
  /** `file`, `env`, `flag`, or a command's own `defaults`. */
  kind: 'defaults' | 'file' | 'env' | 'flag';
  layer: ConfigLayer;
  /** Flag names by setting path, e.g. `{ issuer: '--issuer' }`, for `flag` layers. */
  flagNames?: Record<string, string>;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Every leaf setting as a dotted path; arrays are leaves.
 *
 * @example
 * ```ts
 * flattenSettings({ scopes: { required: ['a'] }, path: '/mcp' }); // { 'scopes.required': ['a'], path: '/mcp' }
 * ```
 */
export function flattenSettings(value: unknown, prefix = ''): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!isPlainObject(value)) return out;
  for (const [key, item] of Object.entries(value)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (isPlainObject(item) && Object.keys(item).length > 0) Object.assign(out, flattenSettings(item, path));
    else if (item !== undefined) out[path] = item;
  }
  return out;
}

function setsPath(flat: Record<string, unknown>, path: string): string | undefined {
  if (path in flat) return path;
  // A layer that set a whole record (scopes.tools) or array also set what is inside it.
  return Object.keys(flat).find((key) => path.startsWith(`${key}.`));
}

/**
 * For each path, the layer that set it last: `file`, `env OAUTH_ISSUER_URL`,
 * `flag --issuer`, or `default` when no layer did.
 *
 * @example
 * ```ts
 * originsOf(['issuer', 'path'], [{ kind: 'env', layer: { issuer: 'https://idp.example.com' } }]);
 * // { issuer: 'env OAUTH_ISSUER_URL', path: 'default' }
 * ```
 */
export function originsOf(paths: string[], layers: NamedLayer[], envNames: Record<string, string> = FILE_ENV_NAMES): Record<string, string> {
  const flattened = layers.map((named) => ({ named, flat: flattenSettings(named.layer) }));
  const origins: Record<string, string> = {};
  for (const path of paths) {
    let origin = 'default';
    for (const { named, flat } of flattened) {
      const key = setsPath(flat, path);
      if (key === undefined) continue;
      if (named.kind === 'env') origin = `env ${envNameOf(key, envNames) ?? ''}`.trim();
      else if (named.kind === 'flag') origin = `flag ${named.flagNames?.[key] ?? ''}`.trim();
      else origin = named.kind === 'defaults' ? 'default' : 'file';
    }
    origins[path] = origin;
  }
  return origins;
}
