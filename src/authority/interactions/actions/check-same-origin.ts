import type { IncomingMessage } from 'node:http';
import { PageError } from '../error-page.js';

/**
 * Refuses a form post another site's page made (403), before anything is
 * read: `Sec-Fetch-Site` must say `same-origin` when the browser sends it
 * (every current one does); without it, an `Origin` must be this issuer's.
 * Neither header (a script, not a browser) leaves the anti-forgery token to
 * decide. This is what keeps a consent from being clicked through a page of
 * the attacker's (a cross-site consent post).
 *
 * @example
 * ```ts
 * checkSameOrigin(req, config.issuer);
 * ```
 */
export function checkSameOrigin(req: IncomingMessage, issuer: string): void {
  const site = header(req, 'sec-fetch-site');
  if (site !== undefined) {
    if (site === 'same-origin') return;
    throw crossSite();
  }
  const origin = header(req, 'origin');
  if (origin !== undefined && origin !== new URL(issuer).origin) throw crossSite();
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function crossSite(): PageError {
  return new PageError(403, 'Request refused', 'This form was sent from another website, not from this sign-in page. Go back to the app and connect again.');
}
