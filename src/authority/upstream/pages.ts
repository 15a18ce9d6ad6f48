import { html, type SafeHtml } from '../interactions/html.js';
import { layout } from '../interactions/layout.js';

/**
 * The pages of broker mode's callback that are not errors of the request:
 * a user the allow-list refuses sees who they signed in as, why, and a way
 * back to the app (which then gets `access_denied`).
 *
 * @example
 * ```ts
 * sendPage(res, 403, refusedPage({ who: 'eve@other.example', reason: '...' }, interaction.returnTo, 'GitHub'));
 * ```
 */
export function refusedPage(refusal: { who: string; reason: string }, returnTo: string, upstream: string): SafeHtml {
  return layout(
    { title: 'Not allowed', devLogin: false },
    html`<h1>You cannot use this server</h1>
<p>You signed in at ${upstream} as <strong>${refusal.who}</strong>.</p>
<p>${refusal.reason} Ask its administrator for access, or go back and sign in with another account.</p>
<p><a class="button" href="${returnTo}">Back to the app</a></p>`,
  );
}
