import { CSRF_FIELD } from './csrf.js';
import { html, type SafeHtml } from './html.js';
import { layout } from './layout.js';
import { MAX_USERNAME_LENGTH } from '../identity/username.js';

export interface LoginView {
  /** Where the sign-in form posts, and where Cancel posts. */
  actions: { login: string; abort: string };
  csrf: string;
  /** The client's display name (already cleaned). */
  clientName: string;
  devLogin: boolean;
  /** Prefilled username (after a failed attempt, or the client's `login_hint`). */
  username?: string;
  /** Shown above the form; the fields are marked invalid. */
  error?: string;
}

/**
 * The sign-in page. One form: username, password (optional in development),
 * a Sign in button, and Cancel (which refuses the client). Fields have
 * visible labels, autocomplete hints for password managers, and an error
 * that screen readers announce (`role="alert"`) and that the fields point to.
 *
 * @example
 * ```ts
 * sendPage(res, 200, loginPage({ actions, csrf, clientName: 'Claude', devLogin: true }), targets);
 * ```
 */
export function loginPage(view: LoginView): SafeHtml {
  const invalid = view.error ? 'true' : 'false';
  const described = view.error ? 'login-error' : undefined;
  // A known username (a retry, a login_hint) puts the cursor where typing continues.
  const focusPassword = Boolean(view.username) && !view.devLogin;
  const passwordHint = view.devLogin ? 'Optional in development: leave it empty.' : undefined;
  return layout(
    { title: 'Sign in', devLogin: view.devLogin },
    html`<h1>Sign in</h1>
<p class="lead">to continue to <span class="app">${view.clientName}</span></p>
${view.error ? html`<p class="error" id="login-error" role="alert">${view.error}</p>` : ''}
<form method="post" action="${view.actions.login}">
<input type="hidden" name="${CSRF_FIELD}" value="${view.csrf}">
<label for="username">Username${view.devLogin ? html`<span class="hint">Any name you like; it becomes your user id.</span>` : ''}</label>
<input type="text" id="username" name="username" value="${view.username ?? ''}" required maxlength="${MAX_USERNAME_LENGTH}"
 autocomplete="username" autocapitalize="none" autocorrect="off" spellcheck="false"${focusPassword ? '' : html` autofocus`} aria-invalid="${invalid}"${describedBy(described)}>
<label for="password">Password${passwordHint ? html`<span class="hint">${passwordHint}</span>` : ''}</label>
<input type="password" id="password" name="password" autocomplete="current-password"${view.devLogin ? '' : html` required`}${focusPassword ? html` autofocus` : ''} aria-invalid="${invalid}"${describedBy(described)}>
<div class="actions">
<button type="submit" class="primary">Sign in</button>
<button type="submit" name="cancel" value="cancel" formaction="${view.actions.abort}" formnovalidate>Cancel</button>
</div>
</form>`,
  );
}

function describedBy(id: string | undefined): SafeHtml | '' {
  return id ? html` aria-describedby="${id}"` : '';
}
