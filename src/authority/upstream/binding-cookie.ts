import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Binds a sign-in at the upstream to the browser that started it: a random
 * value in an HttpOnly cookie, its hash kept server-side with the sign-in.
 * The callback is refused in any other browser, so a victim who finishes
 * an upstream sign-in someone else started (CVE-2026-27124's shape) signs
 * nobody in for them. `__Host-` on https (no Domain, Path=/, Secure);
 * `SameSite=Lax`, since the callback is a top-level navigation from the
 * upstream's origin. One cookie per sign-in, so two tabs do not clash.
 */

const MAX_AGE_SEC = 600;

function cookieName(state: string, secure: boolean): string {
  const tag = createHash('sha256').update(state).digest('base64url').slice(0, 16);
  return `${secure ? '__Host-' : ''}gatehouse.upstream.${tag}`;
}

/** A fresh binding value and the hash kept with the sign-in. */
export function newBinding(): { value: string; hash: string } {
  const value = randomBytes(32).toString('base64url');
  return { value, hash: hashOf(value) };
}

function hashOf(value: string): string {
  return createHash('sha256').update(`gatehouse/upstream-binding/v1:${value}`).digest('base64url');
}

/**
 * Adds the binding cookie of the sign-in `state` to the response.
 *
 * @example
 * ```ts
 * setBindingCookie(res, state, binding.value, issuer.startsWith('https:'));
 * ```
 */
export function setBindingCookie(res: ServerResponse, state: string, value: string, secure: boolean): void {
  const attributes = ['Path=/', 'HttpOnly', 'SameSite=Lax', `Max-Age=${MAX_AGE_SEC}`, ...(secure ? ['Secure'] : [])];
  appendSetCookie(res, `${cookieName(state, secure)}=${value}; ${attributes.join('; ')}`);
}

/** Expires the binding cookie once the callback used it. */
export function clearBindingCookie(res: ServerResponse, state: string, secure: boolean): void {
  appendSetCookie(res, `${cookieName(state, secure)}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0${secure ? '; Secure' : ''}`);
}

/**
 * Whether the request carries the binding cookie whose hash is `expectedHash`.
 *
 * @example
 * ```ts
 * if (!bindingMatches(req, state, record.bindingHash, secure)) throw otherBrowser();
 * ```
 */
export function bindingMatches(req: IncomingMessage, state: string, expectedHash: string, secure: boolean): boolean {
  const name = cookieName(state, secure);
  const header = req.headers.cookie ?? '';
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    const a = Buffer.from(hashOf(part.slice(eq + 1).trim()));
    const b = Buffer.from(expectedHash);
    if (a.length === b.length && timingSafeEqual(a, b)) return true;
  }
  return false;
}

function appendSetCookie(res: ServerResponse, cookie: string): void {
  const existing = res.getHeader('Set-Cookie');
  const list = Array.isArray(existing) ? existing : existing === undefined ? [] : [String(existing)];
  res.setHeader('Set-Cookie', [...list, cookie]);
}
