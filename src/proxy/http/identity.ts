import type { AuthInfo } from '../../tokens/types.js';
import { IDENTITY_HEADERS, plainHeaderValue } from './headers.js';

/**
 * How the upstream learns who is calling: always the signed assertion; the
 * plain headers too when the upstream is trusted (on loopback, or said so),
 * since anyone who can reach an untrusted upstream directly could set them.
 */

/**
 * Appends the identity headers for `authInfo` to a flat header list: the
 * signed `assertion`, then (with `plainHeaders`) `X-Gatehouse-Subject`,
 * `-Client-Id` and `-Scopes`, each only when it is printable ASCII.
 *
 * @example
 * ```ts
 * addIdentityHeaders(list, await signer.sign(req.auth), req.auth, true);
 * ```
 */
export function addIdentityHeaders(list: string[], assertion: string, authInfo: AuthInfo, plainHeaders: boolean): void {
  list.push(IDENTITY_HEADERS.assertion, assertion);
  if (!plainHeaders) return;
  const sub = authInfo.extra?.sub;
  const subject = typeof sub === 'string' ? plainHeaderValue(sub) : undefined;
  const clientId = plainHeaderValue(authInfo.clientId);
  const scopes = plainHeaderValue(authInfo.scopes.join(' '));
  if (subject !== undefined) list.push(IDENTITY_HEADERS.subject, subject);
  if (clientId !== undefined) list.push(IDENTITY_HEADERS.clientId, clientId);
  if (scopes !== undefined) list.push(IDENTITY_HEADERS.scopes, scopes);
}
