import { challengeScopes } from './challenge.js';

/**
 * Per-tool scopes: a `tools/call` for a tool listed in `scopes.tools` needs
 * those scopes on top of the endpoint's required ones. Checked on the
 * JSON-RPC body before the MCP server sees it. `tools/list` is never
 * filtered: a client must see a tool to know it can step up for it.
 */

/** What the `tools/call` requests of one body need. */
export interface ToolScopeDemand {
  /** Names of the called tools that need scopes. */
  tools: string[];
  /** Every scope those tools need. */
  scopes: string[];
}

function* toolCalls(body: unknown): Generator<string> {
  const messages = Array.isArray(body) ? body : [body];
  for (const message of messages) {
    if (typeof message !== 'object' || message === null) continue;
    const { method, params } = message as { method?: unknown; params?: unknown };
    if (method !== 'tools/call' || typeof params !== 'object' || params === null) continue;
    const { name } = params as { name?: unknown };
    if (typeof name === 'string') yield name;
  }
}

/**
 * The scopes the `tools/call` requests in a JSON-RPC body (a message or a
 * batch) need. Anything that is not JSON-RPC needs nothing here: the MCP
 * server answers it.
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
  for (const name of toolCalls(body)) {
    // hasOwn: a tool named "constructor" must not find Object.prototype.constructor.
    if (!Object.hasOwn(toolScopes, name)) continue;
    // offline_access is never challenged, so demanding it would make a step-up loop forever.
    const needed = challengeScopes(toolScopes[name] ?? []);
    if (needed.length === 0) continue;
    tools.add(name);
    for (const scope of needed) scopes.add(scope);
  }
  return { tools: [...tools], scopes: [...scopes] };
}

/** A step-up the client must make before its tool calls go through. */
export interface ToolStepUp {
  /** The called tools whose scopes the token lacks. */
  tools: string[];
  /** The scopes the token lacks. */
  missing: string[];
  /**
   * What to ask for in the 403: required ∪ already granted ∪ the tools'
   * scopes, so the new token loses nothing the client already had.
   */
  scopes: string[];
}

/**
 * Checks the tool calls of a body against the scopes a token carries.
 * Returns `null` when nothing is missing.
 *
 * @example
 * ```ts
 * const stepUp = toolStepUp(body, config.scopes.tools, authInfo.scopes, config.scopes.required);
 * if (stepUp) throw new InsufficientScopeError(`Tool ${stepUp.tools[0]} needs ${stepUp.missing.join(' ')}`, stepUp.scopes);
 * ```
 */
export function toolStepUp(body: unknown, toolScopes: Record<string, string[]>, granted: string[], required: string[]): ToolStepUp | null {
  const demand = toolScopesFor(body, toolScopes);
  if (demand.scopes.length === 0) return null;
  const have = new Set(granted);
  const missing = demand.scopes.filter((scope) => !have.has(scope));
  if (missing.length === 0) return null;
  const tools = demand.tools.filter((tool) => challengeScopes(toolScopes[tool] ?? []).some((scope) => !have.has(scope)));
  return { tools, missing, scopes: challengeScopes([...required, ...granted, ...demand.scopes]) };
}
