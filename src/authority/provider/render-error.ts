import type { Configuration, ErrorOut, KoaContextWithOIDC } from 'oidc-provider';

/**
 * How the authority shows an error it cannot send back to the client (a bad
 * `redirect_uri`, an unknown client, an expired sign-in): a plain HTML page
 * for people, JSON for scripts. Everything shown is escaped; no external
 * assets, so the page works offline and leaks nothing to third parties.
 */

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * Escapes text for HTML element content and quoted attribute values.
 *
 * @example
 * ```ts
 * escapeHtml('<script>'); // '&lt;script&gt;'
 * ```
 */
export function escapeHtml(text: unknown): string {
  return String(text).replace(/[&<>"']/g, (char) => HTML_ESCAPES[char] ?? char);
}

/** What a person can do about the most common errors. */
const ADVICE: Record<string, string> = {
  invalid_client: 'The application is not registered here. Try connecting again from the application, which will register it.',
  invalid_redirect_uri: 'The application asked to return to an address it did not register. It may be misconfigured.',
  invalid_request: 'The application sent a request this server cannot accept. Try connecting again.',
  session_not_found: 'Your sign-in session expired or was started in another browser. Start again from the application.',
  access_denied: 'Access was not granted.',
};

function wantsJson(ctx: KoaContextWithOIDC): boolean {
  const accept = ctx.get('accept');
  return ctx.method !== 'GET' ? !accept.includes('text/html') : accept.includes('application/json') && !accept.includes('text/html');
}

function page(out: ErrorOut): string {
  const advice = ADVICE[out.error] ?? 'Start again from the application you were signing in to.';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Sign-in error</title>
<style>
body{font:16px/1.5 system-ui,sans-serif;margin:0;padding:2rem 1rem;color:#1a1a1a;background:#f6f6f6}
main{max-width:32rem;margin:0 auto;background:#fff;border:1px solid #ddd;border-radius:8px;padding:1.5rem}
h1{font-size:1.4rem;margin-top:0}code{background:#eee;padding:0 .25rem;border-radius:3px;word-break:break-all}
</style>
</head>
<body>
<main>
<h1>Something went wrong</h1>
<p>${escapeHtml(advice)}</p>
<p>Error: <code>${escapeHtml(out.error)}</code></p>
${out.error_description ? `<p>${escapeHtml(out.error_description)}</p>` : ''}
</main>
</body>
</html>
`;
}

/**
 * oidc-provider's `renderError`: JSON when the caller asked for it (or is not
 * a browser form), else a plain escaped HTML page.
 *
 * @example
 * ```ts
 * new Provider(issuer, { renderError });
 * ```
 */
export const renderError: NonNullable<Configuration['renderError']> = function renderError(ctx, out) {
  ctx.set('cache-control', 'no-store');
  if (wantsJson(ctx)) {
    ctx.type = 'application/json';
    ctx.body = { error: out.error, ...(out.error_description ? { error_description: out.error_description } : {}) };
    return;
  }
  ctx.type = 'html';
  ctx.set('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'");
  ctx.body = page(out);
};
