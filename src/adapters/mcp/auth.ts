import { InsufficientScopeError } from '../../errors.js';
import type { AuthInfo } from '../../tokens/types.js';

/**
 * Where a handler finds the caller: SDK v2's handler context carries it as
 * `ctx.http.authInfo`, SDK v1's `extra` as `extra.authInfo`, and the v2
 * factory's `McpRequestContext` as `ctx.authInfo`.
 *
 * @example
 * ```ts
 * const fromV2: ExtraWithAuth = { http: { authInfo } };
 * const fromV1: ExtraWithAuth = { authInfo };
 * ```
 */
export interface ExtraWithAuth {
  authInfo?: AuthInfo;
  http?: { authInfo?: AuthInfo };
}

/**
 * The caller's verified token in a tool handler of either SDK (v2's `ctx`,
 * v1's `extra`) or in a v2 server factory, or an error when the request did
 * not come through the gate.
 *
 * @example
 * ```ts
 * server.registerTool('whoami', {}, async (ctx) => {
 *   const auth = authInfoOf(ctx);
 *   return { content: [{ type: 'text', text: auth.clientId }] };
 * });
 * ```
 */
export function authInfoOf(extra: ExtraWithAuth): AuthInfo {
  const authInfo = extra.http?.authInfo ?? extra.authInfo;
  if (!authInfo) throw new Error('No authenticated caller: this tool must be served behind the Gatehouse gate');
  return authInfo;
}

/**
 * The subject (`sub`) of the caller's token, when it has one (tokens from a
 * client-credentials grant may not).
 *
 * @example
 * ```ts
 * const user = subjectOf(authInfoOf(ctx));
 * ```
 */
export function subjectOf(authInfo: AuthInfo): string | undefined {
  const sub = authInfo.extra?.sub;
  return typeof sub === 'string' ? sub : undefined;
}

/**
 * Checks scopes inside a tool handler, for decisions the gate's per-tool
 * map cannot make (scopes that depend on the arguments). Throws an
 * `InsufficientScopeError` naming the missing scopes, which the SDK turns
 * into a tool error; scopes known per tool belong in `config.scopes.tools`,
 * where the gate answers 403 and clients step up.
 *
 * @example
 * ```ts
 * server.registerTool('delete_note', { inputSchema: z.object({ id: z.string() }) }, async ({ id }, ctx) => {
 *   requireScopes(ctx, 'notes:write');
 *   ...
 * });
 * ```
 */
export function requireScopes(extra: ExtraWithAuth, ...scopes: string[]): AuthInfo {
  const authInfo = authInfoOf(extra);
  const granted = new Set(authInfo.scopes);
  const missing = scopes.filter((s) => !granted.has(s));
  if (missing.length > 0) {
    throw new InsufficientScopeError(`This tool needs the scope(s) ${missing.join(' ')}; the token has ${authInfo.scopes.join(' ') || 'none'}`, scopes);
  }
  return authInfo;
}
