/**
 * The scopes of a token issued for an ID-JAG: never more than the client is
 * configured for (its `scope` in `authority.clients`, within the MCP
 * resource's scopes, without restricted ones: those are entitlements of
 * local users), never more than the ID-JAG grants (its `scope`, when it has
 * one), and exactly the request's `scope` when it names some. Pure.
 */

/** The scopes to issue, or why none can be (RFC 6749 §5.2 `invalid_scope`). */
export type ScopeDecision = { ok: true; scopes: string[] } | { ok: false; description: string };

/** The three sets a decision weighs. */
export interface ScopeAsk {
  clientId: string;
  /** What the client may get at all. */
  allowed: readonly string[];
  /** The ID-JAG's `scope`; `undefined` when it has none (then the client's own limit applies). */
  granted: readonly string[] | undefined;
  /** The request's `scope`; empty means "what the ID-JAG grants". */
  asked: readonly string[];
}

/**
 * Decides the scopes: the asked ones if all are allowed and granted, else
 * what the ID-JAG grants narrowed to what the client is allowed.
 *
 * @example
 * ```ts
 * decideIdJagScopes({ clientId: 'agent', allowed: ['mcp:tools'], granted: ['mcp:tools', 'mcp:admin'], asked: [] }); // { ok: true, scopes: ['mcp:tools'] }
 * ```
 */
export function decideIdJagScopes(ask: ScopeAsk): ScopeDecision {
  const allowed = new Set(ask.allowed);
  const mayGet = `client "${ask.clientId}" may get: ${ask.allowed.join(' ') || 'nothing'}`;
  if (ask.asked.length > 0) {
    const notGranted = ask.granted === undefined ? [] : ask.asked.filter((scope) => !ask.granted!.includes(scope));
    if (notGranted.length > 0) {
      return { ok: false, description: `scope ${notGranted.join(' ')} is beyond what the ID-JAG grants (${ask.granted!.join(' ') || 'nothing'})` };
    }
    const above = ask.asked.filter((scope) => !allowed.has(scope));
    if (above.length > 0) return { ok: false, description: `scope ${above.join(' ')} is not allowed for this client (${mayGet})` };
    return { ok: true, scopes: [...new Set(ask.asked)] };
  }
  const scopes = [...new Set((ask.granted ?? ask.allowed).filter((scope) => allowed.has(scope)))];
  if (scopes.length === 0) {
    return { ok: false, description: `none of the ID-JAG's scopes (${ask.granted?.join(' ') || 'none'}) is allowed for this client (${mayGet})` };
  }
  return { ok: true, scopes };
}
