import type { Configuration } from 'oidc-provider';

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function mergeInto(target: Record<string, unknown>, source: Record<string, unknown>): Record<string, unknown> {
  for (const [key, value] of Object.entries(source)) {
    if (value === undefined) continue;
    const current = target[key];
    target[key] = isPlainObject(current) && isPlainObject(value) ? mergeInto({ ...current }, value) : value;
  }
  return target;
}

/**
 * Deep-merges partial oidc-provider configurations, later ones winning.
 * Plain objects merge key by key; arrays, functions, keys and class
 * instances are replaced whole; `undefined` never overwrites.
 *
 * @example
 * ```ts
 * mergeConfigurations({ features: { revocation: { enabled: true } } }, { features: { registration: { enabled: true } } });
 * // { features: { revocation: { enabled: true }, registration: { enabled: true } } }
 * ```
 */
export function mergeConfigurations(...parts: (Configuration | undefined)[]): Configuration {
  const out: Record<string, unknown> = {};
  for (const part of parts) if (part) mergeInto(out, part as Record<string, unknown>);
  return out as Configuration;
}
