import { challengeScopes } from './challenge.js';
import { namedCalls } from './name-scopes.js';

/** What the `tools/call` requests of one body need. */
export interface ToolScopeDemand {
  /** Names of the called tools that need scopes. */
  tools: string[];
  /** Every scope those tools need. */
  scopes: string[];
}

/**
 * The scopes the `tools/call` requests in a JSON-RPC body (a message or a
 * batch) need, by `scopes.tools`. Anything that is not JSON-RPC needs
 * nothing here: the MCP server answers it. (The gate itself checks
 * resources and prompts too, and scope hierarchies: see `name-scopes.ts`.)
 *
 * @example
 * ```ts
 * toolScopesFor({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'delete_file' } }, { delete_file: ['files:write'] });
 * // { tools: ['delete_file'], scopes: ['files:write'] }
 * ```
 */
export function toolScopesFor(body: unknown, toolScopes: Record<string, string[]>): ToolScopeDemand {
  const tools = new Set<string>();
  const scopes = new Set<string>();
  for (const call of namedCalls(body)) {
    // hasOwn: a tool named "constructor" must not find Object.prototype.constructor.
    if (call.kind !== 'Tool' || !Object.hasOwn(toolScopes, call.name)) continue;
    // offline_access is never challenged, so demanding it would make a step-up loop forever.
    const needed = challengeScopes(toolScopes[call.name] ?? []);
    if (needed.length === 0) continue;
    tools.add(call.name);
    for (const scope of needed) scopes.add(scope);
  }
  return { tools: [...tools], scopes: [...scopes] };
}
