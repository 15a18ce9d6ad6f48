/**
 * Scope hierarchies (MCP 2026-07-28, SEP-2350): a scope may imply others
 * (`mcp:admin` implies `mcp:tools`), so a token carrying it satisfies them.
 * The config refuses cycles, so every scope's closure is finite and no two
 * scopes imply each other.
 */

/** The hierarchy of one config, worked out once. */
export interface ScopeHierarchy {
  /** False when no scope implies another: {@link expand} is then the token's own scopes. */
  readonly empty: boolean;
  /** Every scope the granted ones satisfy: themselves and all they imply, transitively. */
  expand(granted: Iterable<string>): Set<string>;
  /**
   * The scopes without those another of them implies, in order: what one
   * challenge asks for, since asking for the implying scope gets both.
   */
  minimal(scopes: readonly string[]): string[];
}

function closureOf(scope: string, implies: Record<string, string[]>, memo: Map<string, Set<string>>): Set<string> {
  let closure = memo.get(scope);
  if (closure) return closure;
  closure = new Set();
  for (const implied of Object.hasOwn(implies, scope) ? (implies[scope] ?? []) : []) {
    closure.add(implied);
    for (const further of closureOf(implied, implies, memo)) closure.add(further);
  }
  memo.set(scope, closure);
  return closure;
}

/**
 * Builds the hierarchy from `scopes.implies` (already checked for cycles).
 *
 * @example
 * ```ts
 * const hierarchy = scopeHierarchy({ 'mcp:admin': ['mcp:tools'] });
 * hierarchy.expand(['mcp:admin']); // Set { 'mcp:admin', 'mcp:tools' }
 * hierarchy.minimal(['mcp:tools', 'mcp:admin', 'files:read']); // ['mcp:admin', 'files:read']
 * ```
 */
export function scopeHierarchy(implies: Record<string, string[]>): ScopeHierarchy {
  const memo = new Map<string, Set<string>>();
  const closures = new Map<string, Set<string>>();
  for (const scope of Object.keys(implies)) closures.set(scope, closureOf(scope, implies, memo));
  const empty = [...closures.values()].every((closure) => closure.size === 0);
  return {
    empty,
    expand(granted) {
      const out = new Set<string>();
      for (const scope of granted) {
        out.add(scope);
        const closure = closures.get(scope);
        if (closure) for (const implied of closure) out.add(implied);
      }
      return out;
    },
    minimal(scopes) {
      if (empty) return [...new Set(scopes)];
      const present = new Set(scopes);
      const impliedByOther = new Set<string>();
      for (const scope of present) for (const implied of closures.get(scope) ?? []) if (implied !== scope) impliedByOther.add(implied);
      return [...present].filter((scope) => !impliedByOther.has(scope));
    },
  };
}
