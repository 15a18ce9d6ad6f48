import type { ConfigLayer } from './schema.js';

/**
 * Settings that displace each other, by path: a layer that sets one drops
 * the others set by earlier layers (`gatehouse proxy --upstream` replaces a
 * `proxy.command` of the config file, and back).
 */
const RIVALS: Record<string, readonly string[]> = {
  'proxy.upstream': ['command'],
  'proxy.command': ['upstream'],
};

/** Only these merge key by key: arrays, functions, keys and class instances are values. */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** A copy of plain data (keys set to `undefined` included), so that the merged layer never shares objects with its sources. */
function copyOf(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(copyOf);
  return isPlainObject(value) ? Object.fromEntries(Object.entries(value).map(([key, item]) => [key, copyOf(item)])) : value;
}

function mergeInto(target: Record<string, unknown>, source: Record<string, unknown>, at: string): Record<string, unknown> {
  for (const [key, value] of Object.entries(source)) {
    if (value === undefined) continue;
    const path = at ? `${at}.${key}` : key;
    for (const rival of RIVALS[path] ?? []) delete target[rival];
    const existing = target[key];
    target[key] = isPlainObject(value) && isPlainObject(existing) ? mergeInto(existing, value, path) : copyOf(value);
  }
  return target;
}

/**
 * The one merge of layered settings, later layers winning: plain objects
 * merge key by key; arrays, functions and class instances are replaced
 * whole; `undefined` never overwrites. Config layers, the sections of the
 * CLI's commands and oidc-provider configurations all merge this way.
 *
 * @example
 * ```ts
 * mergeLayers<Configuration>({ features: { revocation: { enabled: true } } }, { features: { registration: { enabled: true } } });
 * // { features: { revocation: { enabled: true }, registration: { enabled: true } } }
 * ```
 */
export function mergeLayers<T extends object>(...layers: (T | undefined)[]): T {
  const out: Record<string, unknown> = {};
  for (const layer of layers) if (layer) mergeInto(out, layer as Record<string, unknown>, '');
  return out as T;
}

/**
 * Deep-merges config layers; later layers win, arrays are replaced.
 *
 * @example
 * ```ts
 * const input = mergeConfig(fromFile, configFromEnv(process.env), { publicUrl: flags.publicUrl });
 * ```
 */
export function mergeConfig(...layers: ConfigLayer[]): ConfigLayer {
  return mergeLayers(...layers);
}
