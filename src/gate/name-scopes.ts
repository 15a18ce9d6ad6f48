import type { GatehouseConfig } from '../config/schema.js';
import { challengeScopes } from './challenge.js';
import { scopeHierarchy, type ScopeHierarchy } from './scope-hierarchy.js';
import { compileUriPatterns, type UriPatterns } from './uri-pattern.js';

/**
 * Per-name scopes: a `tools/call` of a tool in `scopes.tools`, a
 * `resources/read` of a URI matching a pattern in `scopes.resources`, or a
 * `prompts/get` of a prompt in `scopes.prompts` needs those scopes on top of
 * the endpoint's required ones. Checked on the JSON-RPC body (a message or
 * a batch) before the MCP server sees it. Listing methods are never
 * filtered: a client must see a tool to know it can step up for it.
 */

/** What is called by name, as the error message names it. */
export type CalledKind = 'Tool' | 'Resource' | 'Prompt';

/** One call by name in a body. */
export interface NamedCall {
  kind: CalledKind;
  name: string;
}

/** The per-name rules of one config, compiled once. */
export interface NameScopeRules {
  /** False when no tool, resource or prompt has scopes: the body need not be read for them. */
  readonly any: boolean;
  readonly hierarchy: ScopeHierarchy;
  /** The scopes one call needs (never `offline_access`, which no challenge asks for); read it, never change it. */
  scopesOf(call: NamedCall): string[];
}

const NAME_FIELD: Record<string, { kind: CalledKind; field: 'name' | 'uri' }> = {
  'tools/call': { kind: 'Tool', field: 'name' },
  'resources/read': { kind: 'Resource', field: 'uri' },
  'prompts/get': { kind: 'Prompt', field: 'name' },
};

/** Nothing needed: one shared, frozen list, so a call that needs no scope allocates none. */
const NONE: string[] = Object.freeze([]) as unknown as string[];

/** The challengeable scopes of each name, worked out once: a lookup per call, no filtering per request. */
function exactLookup(table: Record<string, string[]>): (name: string) => string[] {
  // A Map of own entries: a tool named "constructor" must not find Object.prototype.constructor.
  const byName = new Map<string, string[]>();
  for (const [name, scopes] of Object.entries(table)) {
    const challenged = challengeScopes(scopes);
    if (challenged.length > 0) byName.set(name, Object.freeze(challenged) as string[]);
  }
  return (name) => byName.get(name) ?? NONE;
}

function patternLookup(patterns: UriPatterns<string[]>): (uri: string) => string[] {
  return (uri) => (patterns.size === 0 ? NONE : challengeScopes(patterns.matching(uri).flat()));
}

/**
 * Compiles the per-name rules of `scopes` (tools, resources, prompts, implies).
 *
 * @example
 * ```ts
 * const rules = nameScopeRules({ tools: { rm: ['files:write'] }, resources: { 'file:///secret/*': ['files:secret'] }, prompts: {}, implies: {} });
 * rules.scopesOf({ kind: 'Resource', name: 'file:///secret/key' }); // ['files:secret']
 * ```
 */
export function nameScopeRules(scopes: Pick<GatehouseConfig['scopes'], 'tools' | 'resources' | 'prompts' | 'implies'>): NameScopeRules {
  const lookups: Record<CalledKind, (name: string) => string[]> = {
    Tool: exactLookup(scopes.tools),
    Resource: patternLookup(compileUriPatterns(scopes.resources)),
    Prompt: exactLookup(scopes.prompts),
  };
  const any = [scopes.tools, scopes.resources, scopes.prompts].some((table) => Object.values(table).some((list) => challengeScopes(list).length > 0));
  return { any, hierarchy: scopeHierarchy(scopes.implies), scopesOf: (call) => lookups[call.kind](call.name) };
}

/**
 * The calls by name in a JSON-RPC body: a message or every message of a
 * batch. Anything that is not one is skipped: the MCP server answers it.
 *
 * @example
 * ```ts
 * [...namedCalls({ jsonrpc: '2.0', id: 1, method: 'prompts/get', params: { name: 'review' } })]; // [{ kind: 'Prompt', name: 'review' }]
 * ```
 */
export function* namedCalls(body: unknown): Generator<NamedCall> {
  if (!Array.isArray(body)) {
    const call = namedCallOf(body);
    if (call) yield call;
    return;
  }
  for (const message of body) {
    const call = namedCallOf(message);
    if (call) yield call;
  }
}

/** The call by name one JSON-RPC message makes, if it makes one. */
function namedCallOf(message: unknown): NamedCall | undefined {
  if (typeof message !== 'object' || message === null) return undefined;
  const { method, params } = message as { method?: unknown; params?: unknown };
  if (typeof method !== 'string' || !Object.hasOwn(NAME_FIELD, method) || typeof params !== 'object' || params === null) return undefined;
  const { kind, field } = NAME_FIELD[method]!;
  const name = (params as Record<string, unknown>)[field];
  return typeof name === 'string' ? { kind, name } : undefined;
}

/** A step-up the client must make before its calls go through. */
export interface NameStepUp {
  /** The calls whose scopes the token lacks, e.g. `Tool delete_file`. */
  calls: NamedCall[];
  /** The scopes the token lacks (none of them satisfied through the hierarchy either). */
  missing: string[];
  /**
   * What to ask for in the one 403: required ∪ already granted ∪ every
   * scope the calls need, without those another of them implies, so the new
   * token loses nothing the client already had.
   */
  scopes: string[];
}

/**
 * Checks the calls of a body against what a token's scopes satisfy.
 * Returns `null` when nothing is missing.
 *
 * @example
 * ```ts
 * const stepUp = nameStepUp(body, rules, authInfo.scopes, config.scopes.required);
 * if (stepUp) throw new InsufficientScopeError(describeStepUp(stepUp), stepUp.scopes);
 * ```
 */
export function nameStepUp(body: unknown, rules: NameScopeRules, granted: readonly string[], required: readonly string[]): NameStepUp | null {
  // One message (nearly every request): no generator, and no set unless a call lacks a scope.
  if (!Array.isArray(body)) {
    const call = namedCallOf(body);
    const scopes = call ? rules.scopesOf(call) : NONE;
    if (scopes.length === 0) return null;
    const satisfied = rules.hierarchy.expand(granted);
    if (scopes.every((scope) => satisfied.has(scope))) return null;
  }
  let satisfied: Set<string> | undefined;
  const calls: NamedCall[] = [];
  const needed = new Set<string>();
  const missing = new Set<string>();
  for (const call of namedCalls(body)) {
    const scopes = rules.scopesOf(call);
    if (scopes.length === 0) continue;
    for (const scope of scopes) needed.add(scope);
    satisfied ??= rules.hierarchy.expand(granted);
    const lacking = scopes.filter((scope) => !satisfied!.has(scope));
    if (lacking.length === 0) continue;
    if (!calls.some((seen) => seen.kind === call.kind && seen.name === call.name)) calls.push(call);
    for (const scope of lacking) missing.add(scope);
  }
  if (missing.size === 0) return null;
  return { calls, missing: [...missing], scopes: rules.hierarchy.minimal(challengeScopes([...required, ...granted, ...needed])) };
}

/**
 * The error description of a step-up: which calls need which scopes.
 *
 * @example
 * ```ts
 * describeStepUp({ calls: [{ kind: 'Tool', name: 'rm' }], missing: ['files:write'], scopes: ['mcp', 'files:write'] });
 * // 'Tool rm needs the scope(s) files:write'
 * ```
 */
export function describeStepUp(stepUp: NameStepUp): string {
  const kinds = [...new Set(stepUp.calls.map((call) => call.kind))];
  const named = kinds.map((kind) => `${kind} ${stepUp.calls.filter((call) => call.kind === kind).map((call) => call.name.slice(0, 200)).join(', ')}`);
  return `${named.join('; ')} needs the scope(s) ${stepUp.missing.join(' ')}`;
}
