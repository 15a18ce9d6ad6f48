import type { ConfigLayer } from './schema.js';

/**
 * Deep-merges config layers; later layers win, arrays are replaced.
 *
 * @example
 * ```ts
 * const input = mergeConfig(fromFile, configFromEnv(process.env), { publicUrl: flags.publicUrl });
 * ```
 */
export function mergeConfig(...layers: ConfigLayer[]): ConfigLayer {
  const out: Record<string, unknown> = {};
  for (const layer of layers) mergeInto(out, layer as Record<string, unknown>);
  return out as ConfigLayer;
}

function mergeInto(target: Record<string, unknown>, source: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(source)) {
    if (value === undefined) continue;
    const existing = target[key];
    if (isPlainObject(value) && isPlainObject(existing)) mergeInto(existing, value);
    else target[key] = isPlainObject(value) ? structuredClone(value) : value;
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
