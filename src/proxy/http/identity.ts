import type { OutgoingHttpHeaders } from 'node:http';
import type { AuthInfo } from '../../tokens/types.js';
import type { AssertionSigner } from './assertion.js';
import { IDENTITY_HEADERS, plainHeaderValue } from './headers.js';

/**
 * How the upstream learns who is calling: always the signed assertion; the
 * plain headers too when the upstream is trusted (on loopback, or said so),
 * since anyone who can reach an untrusted upstream directly could set them.
 */
export interface IdentityHeaderOptions {
  signer: AssertionSigner;
  /** Add `X-Gatehouse-Subject`, `-Client-Id` and `-Scopes`. */
  plainHeaders: boolean;
}

/**
 * Adds the identity headers for `authInfo` to the upstream request's headers.
 *
 * @example
 * ```ts
 * await addIdentityHeaders(headers, req.auth, { signer, plainHeaders: true });
 * ```
 */
export async function addIdentityHeaders(headers: OutgoingHttpHeaders, authInfo: AuthInfo, options: IdentityHeaderOptions): Promise<void> {
  headers[IDENTITY_HEADERS.assertion] = await options.signer.sign(authInfo);
  if (!options.plainHeaders) return;
  const sub = authInfo.extra?.sub;
  const subject = typeof sub === 'string' ? plainHeaderValue(sub) : undefined;
  const clientId = plainHeaderValue(authInfo.clientId);
  const scopes = plainHeaderValue(authInfo.scopes.join(' '));
  if (subject !== undefined) headers[IDENTITY_HEADERS.subject] = subject;
  if (clientId !== undefined) headers[IDENTITY_HEADERS.clientId] = clientId;
  if (scopes !== undefined) headers[IDENTITY_HEADERS.scopes] = scopes;
}
