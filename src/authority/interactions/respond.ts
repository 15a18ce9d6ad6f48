import type { ServerResponse } from 'node:http';
import type { SafeHtml } from './html.js';
import { PAGE_CSS_HASH } from './styles.js';

/**
 * Security headers of the sign-in and consent pages, and the 303s that leave
 * them. Nothing may frame the pages (clickjacking a consent button), no
 * script runs, only the page's own stylesheet applies, forms post only to
 * this origin and, because browsers apply `form-action` to the redirects
 * that follow a submission, to where the client's redirect URI points.
 */

const SCHEME_ONLY = /^[a-z][a-z0-9+.-]*:$/;
const HOST_SOURCE = /^https?:\/\/[a-z0-9.-]+(:\d{1,5})?$/;

/**
 * The CSP source that lets a form submission end at `redirectUri`: its
 * origin for http(s), its scheme for an app's custom scheme (`cursor:`) and
 * for IPv6 literals, which CSP host sources cannot express.
 *
 * @example
 * ```ts
 * formActionSource('http://127.0.0.1:33418/cb'); // 'http://127.0.0.1:33418'
 * formActionSource('cursor://anysphere.cursor-mcp/oauth/callback'); // 'cursor:'
 * ```
 */
export function formActionSource(redirectUri: string): string | undefined {
  if (!URL.canParse(redirectUri)) return undefined;
  const url = new URL(redirectUri);
  if (url.protocol === 'http:' || url.protocol === 'https:') {
    if (HOST_SOURCE.test(url.origin)) return url.origin;
    return url.protocol;
  }
  return SCHEME_ONLY.test(url.protocol) ? url.protocol : undefined;
}

/**
 * The page's Content-Security-Policy.
 *
 * @example
 * ```ts
 * contentSecurityPolicy(['http://127.0.0.1:33418']); // "default-src 'none'; ... form-action 'self' http://127.0.0.1:33418; ..."
 * ```
 */
export function contentSecurityPolicy(formTargets: readonly string[] = []): string {
  const formAction = ["'self'", ...new Set(formTargets)].join(' ');
  return [
    "default-src 'none'",
    `style-src ${PAGE_CSS_HASH}`,
    `form-action ${formAction}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
}

/**
 * Headers that every response of the interaction routes carries.
 *
 * @example
 * ```ts
 * setNoStore(res); // before provider.interactionFinished(...) writes its 303
 * ```
 */
export function setNoStore(res: ServerResponse): void {
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Pragma', 'no-cache');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Content-Type-Options', 'nosniff');
}

/**
 * Sends a page with the strict headers.
 *
 * @example
 * ```ts
 * sendPage(res, 200, loginPage(view), ['http://127.0.0.1:33418']);
 * ```
 */
export function sendPage(res: ServerResponse, status: number, page: SafeHtml, formTargets: readonly string[] = [], method = 'GET'): void {
  const body = Buffer.from(page.value, 'utf8');
  setNoStore(res);
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.setHeader('Content-Security-Policy', contentSecurityPolicy(formTargets));
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  res.setHeader('Content-Length', String(body.length));
  res.end(method === 'HEAD' ? undefined : body);
}

/**
 * A 303 to another page of this origin (e.g. back to the interaction page).
 *
 * @example
 * ```ts
 * seeOther(res, `/oauth/interaction/${uid}`);
 * ```
 */
export function seeOther(res: ServerResponse, location: string): void {
  setNoStore(res);
  res.statusCode = 303;
  res.setHeader('Location', location);
  res.setHeader('Content-Length', '0');
  res.end();
}
