import { z } from 'zod';
import { scopeList } from '../fields.js';
import { list, listsByName, type EnvTable } from '../values.js';

/**
 * The `scopes` section: what the endpoint needs of every request, what a
 * `tools/call`, `resources/read` or `prompts/get` needs on top for the name
 * it calls (checked on the JSON-RPC body before the MCP server sees it), and
 * which scopes imply others (SEP-2350 scope hierarchies).
 */

/** Longest resource URI pattern accepted; matching is linear in pattern and URI, this keeps it cheap. */
const MAX_PATTERN_LENGTH = 2048;

/** Why a resource URI pattern is refused (exact URI, or `*` for any run of characters; nothing else is special), or `undefined`. */
function patternProblem(pattern: string): string | undefined {
  if (pattern.length === 0) return 'a resource URI pattern cannot be empty';
  if (pattern.length > MAX_PATTERN_LENGTH) return `a resource URI pattern is at most ${MAX_PATTERN_LENGTH} characters`;
  if ([...pattern].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)) return 'a resource URI pattern has no control characters';
  return undefined;
}

/**
 * The first cycle in a hierarchy, as the chain of scopes that closes it
 * (`['a', 'b', 'a']`), or `undefined` when there is none.
 *
 * @example
 * ```ts
 * hierarchyCycle({ 'mcp:admin': ['mcp:tools'], 'mcp:tools': ['mcp:admin'] }); // ['mcp:admin', 'mcp:tools', 'mcp:admin']
 * ```
 */
export function hierarchyCycle(implies: Record<string, string[]>): string[] | undefined {
  const done = new Set<string>();
  const path: string[] = [];
  const onPath = new Set<string>();
  function visit(scope: string): string[] | undefined {
    if (onPath.has(scope)) return [...path.slice(path.indexOf(scope)), scope];
    if (done.has(scope)) return undefined;
    onPath.add(scope);
    path.push(scope);
    for (const implied of Object.hasOwn(implies, scope) ? (implies[scope] ?? []) : []) {
      const cycle = visit(implied);
      if (cycle) return cycle;
    }
    path.pop();
    onPath.delete(scope);
    done.add(scope);
    return undefined;
  }
  for (const scope of Object.keys(implies)) {
    const cycle = visit(scope);
    if (cycle) return cycle;
  }
  return undefined;
}

export const scopesSchema = z
  .object({
    /** Scopes every request to the MCP endpoint needs. */
    required: scopeList.default([]),
    /** Scopes advertised in protected-resource metadata; defaults to required ∪ tool, resource and prompt scopes. */
    supported: scopeList.optional(),
    /** Extra scopes per tool name (exact), checked on `tools/call`. */
    tools: z.record(z.string(), scopeList).default({}),
    /** Extra scopes per resource URI pattern (exact, or `*` for any run of characters), checked on `resources/read`. */
    resources: z.record(z.string(), scopeList).default({}),
    /** Extra scopes per prompt name (exact), checked on `prompts/get`. */
    prompts: z.record(z.string(), scopeList).default({}),
    /**
     * Scope hierarchies (SEP-2350): a token carrying a key scope also
     * satisfies every scope listed for it, transitively. Cycles are refused.
     */
    implies: z.record(scopeList.element, scopeList).default({}),
  })
  .superRefine((scopes, ctx) => {
    for (const pattern of Object.keys(scopes.resources)) {
      const problem = patternProblem(pattern);
      if (problem) ctx.addIssue({ code: 'custom', path: ['resources'], message: `${JSON.stringify(pattern.slice(0, 80))}: ${problem}` });
    }
    const cycle = hierarchyCycle(scopes.implies);
    if (cycle) ctx.addIssue({ code: 'custom', path: ['implies', cycle[0]!], message: `scope hierarchy has a cycle: ${cycle.join(' implies ')}` });
  });

/** Env vars of the `scopes` section, by setting path. */
export const SCOPES_ENV: EnvTable = {
  'scopes.required': ['OAUTH_SCOPES', list],
  'scopes.supported': ['OAUTH_SCOPES_SUPPORTED', list],
  'scopes.tools': ['OAUTH_TOOL_SCOPES', listsByName],
  'scopes.resources': ['OAUTH_RESOURCE_SCOPES', listsByName],
  'scopes.prompts': ['OAUTH_PROMPT_SCOPES', listsByName],
  'scopes.implies': ['OAUTH_SCOPE_HIERARCHY', listsByName],
};
