import { CSRF_FIELD } from './csrf.js';
import { html, type SafeHtml } from './html.js';
import { layout } from './layout.js';
import type { RedirectTarget } from './redirect-target.js';

export interface ConsentView {
  actions: { confirm: string; abort: string; switchAccount: string };
  csrf: string;
  devLogin: boolean;
  /** `name` is the cleaned `client_name`, or the client id when it has none. */
  client: { name: string; id: string };
  /** Who is signed in (the `sub` the tokens will carry). */
  accountId: string;
  redirect: RedirectTarget;
  scopes: { name: string; description?: string }[];
  /** The resources (MCP servers) the tokens will be for. */
  resources: { uri: string; name?: string }[];
  /** The client was allowed before and now asks for more. */
  additional: boolean;
}

/**
 * The consent page: which app asks (its name and its id, since anyone can
 * choose a name), for which MCP server, with which scopes, and where the
 * browser goes next, flagged when that is a program on this computer or an
 * app's URL scheme. Allow is the first button in focus order; Deny sends the
 * client `access_denied`. "Use another account" signs out and starts over.
 *
 * @example
 * ```ts
 * sendPage(res, 200, consentPage(view), [formActionSource(view.redirect.uri)]);
 * ```
 */
export function consentPage(view: ConsentView): SafeHtml {
  const named = view.client.name !== view.client.id;
  return layout(
    { title: 'Allow access?', devLogin: view.devLogin },
    html`<h1>Allow access?</h1>
<p class="lead"><span class="app">${view.client.name}</span> ${view.additional ? 'asks for more access to' : 'wants to access'} ${resourcePhrase(view.resources)} as <strong>${view.accountId}</strong>.</p>
<dl>
<dt>App</dt>
<dd>${named ? html`${view.client.name}<br>` : ''}<span class="small">App ID: <code>${view.client.id}</code></span></dd>
<dt>MCP server</dt>
<dd><ul>${view.resources.map((r) => html`<li>${r.name ? html`${r.name}<br>` : ''}<code>${r.uri}</code></li>`)}</ul></dd>
<dt>Permissions</dt>
<dd>${scopeList(view.scopes)}</dd>
<dt>Afterwards you go to</dt>
<dd><strong>${view.redirect.label}</strong><br><span class="small"><code>${view.redirect.uri}</code></span>${view.redirect.note ? html`<span class="flag" role="note">${view.redirect.note}</span>` : ''}</dd>
</dl>
<form method="post" action="${view.actions.confirm}">
<input type="hidden" name="${CSRF_FIELD}" value="${view.csrf}">
<div class="actions">
<button type="submit" class="primary" name="decision" value="approve">Allow</button>
<button type="submit" name="decision" value="deny" formaction="${view.actions.abort}">Deny</button>
</div>
</form>
<footer>
<span>Signed in as <strong>${view.accountId}</strong>.</span>
<form method="post" action="${view.actions.switchAccount}">
<input type="hidden" name="${CSRF_FIELD}" value="${view.csrf}">
<button type="submit" class="link">Use another account</button>
</form>
</footer>`,
  );
}

function resourcePhrase(resources: ConsentView['resources']): SafeHtml {
  if (resources.length === 1) return html`<strong>${resources[0]!.name ?? resources[0]!.uri}</strong>`;
  if (resources.length === 0) return html`your account`;
  return html`<strong>${resources.length} MCP servers</strong>`;
}

function scopeList(scopes: ConsentView['scopes']): SafeHtml {
  if (scopes.length === 0) return html`<span class="small">Basic access, no extra permissions.</span>`;
  return html`<ul>${scopes.map((s) => html`<li>${s.description ? html`${s.description} · ` : ''}<code>${s.name}</code></li>`)}</ul>`;
}
