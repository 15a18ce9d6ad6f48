import type { GatehouseConfig } from '../config/schema.js';
import type { VerifyContext } from '../tokens/types.js';
import { challengeScopes } from './challenge.js';
import { nameScopeRules, type NameScopeRules } from './name-scopes.js';

/** What the check needs from the config, worked out once per config rather than per request. */
export interface ScopePlan {
  required: string[];
  /** Per-name scopes and the hierarchy. */
  rules: NameScopeRules;
  /** Whether every body is read: per-name scopes need it, and `headerCheck: 'always'` asks for it. */
  readsBody: boolean;
  /** The required scopes as a 401 names them: none another of them implies. */
  challenged: string[];
}

const plans = new WeakMap<GatehouseConfig, ScopePlan>();

/**
 * The scope side of a config's check, compiled on first use and kept for the
 * config's life (a resolved config is never changed afterwards).
 *
 * @example
 * ```ts
 * const { required, rules, readsBody } = scopePlan(config);
 * ```
 */
export function scopePlan(config: GatehouseConfig): ScopePlan {
  let plan = plans.get(config);
  if (!plan) {
    const rules = nameScopeRules(config.scopes);
    const required = challengeScopes(config.scopes.required);
    plan = { required, rules, readsBody: rules.any || config.headerCheck === 'always', challenged: rules.hierarchy.minimal(required) };
    plans.set(config, plan);
  }
  return plan;
}

/** Where one request is checked against: its config, resource and metadata URLs, and what the verifier accepts. */
export interface CheckTarget {
  readonly config: GatehouseConfig;
  readonly resource: string;
  readonly resourceMetadata: string;
  /** Frozen, and the same object on every request for this resource: a verifier cannot change what the next request is checked against, and a cache compares it by identity. */
  readonly verifyContext: Readonly<VerifyContext>;
}

/** The last target of each config: with `publicUrl` (always, today) the one every request gets. */
const targets = new WeakMap<GatehouseConfig, CheckTarget>();

/**
 * What a request for `urls.resource` is checked against: that resource, its
 * metadata URL, and the configured audience (else the resource itself),
 * made once per resource instead of once per request.
 *
 * @example
 * ```ts
 * checkTarget(config, resourceUrls(request, config)).verifyContext; // { resource, audience: ['https://mcp.example.com/mcp'] }
 * ```
 */
export function checkTarget(config: GatehouseConfig, urls: { readonly resource: string; readonly metadata: string }): CheckTarget {
  const known = targets.get(config);
  if (known?.resource === urls.resource && known.resourceMetadata === urls.metadata) return known;
  const { resource } = urls;
  const audience = config.audience === undefined ? [resource] : Array.isArray(config.audience) ? [...config.audience] : [config.audience];
  const target: CheckTarget = Object.freeze({
    config,
    resource,
    resourceMetadata: urls.metadata,
    verifyContext: Object.freeze({ resource, audience: Object.freeze(audience) as string[] }),
  });
  targets.set(config, target);
  return target;
}
