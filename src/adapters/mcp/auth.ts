import { InsufficientScopeError } from '../../errors.js';
import type { AuthInfo } from '../../tokens/types.js';

/** The part of the SDK's `RequestHandlerExtra` that carries the caller. */
export interface ExtraWithAuth {
  authInfo?: AuthInfo;
}

/**
 * The caller's verified token in a tool handler, or an error when the
 * request did not come through the gate.
 *
 * @example
 * ```ts
 * server.registerTool('whoami', {}, async (extra) => {
 *   const auth = authInfoOf(extra);
 *   return { content: [{ type: 'text', text: auth.clientId }] };
 * });
 * ```
 */
export function authInfoOf(extra: ExtraWithAuth): AuthInfo {
  if (!extra.authInfo) throw new Error('No authenticated caller: this tool must be served behind the Gatehouse gate');
  return extra.authInfo;
}

/**
 * The subject (`sub`) of the caller's token, when it has one (tokens from a
 * client-credentials grant may not).
 *
 * @example
 * ```ts
 * const user = subjectOf(authInfoOf(extra));
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
 * server.registerTool('delete_note', { inputSchema: { id: z.string() } }, async ({ id }, extra) => {
 *   requireScopes(extra, 'notes:write');
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
