/**
 * Signs a user in through an authorization server's own pages without a
 * browser: follows redirects by hand, keeps cookies per host, fills and
 * submits each HTML form (login, then consent), and stops at the client's
 * redirect URI. Works with oidc-provider's dev interactions and any login
 * page made of plain forms with a text field and a password field.
 */
import { CookieJar } from './cookie-jar.js';
import { parseForms, type HtmlForm, type SubmitButton } from './html-form.js';

export interface HeadlessLoginOptions {
  /** The login name typed into the username field. Default `alice`. */
  login?: string;
  /** Default `correct horse battery staple`; dev interactions accept any. */
  password?: string;
  /** Where to stop; defaults to the `redirect_uri` of the authorization URL. */
  redirectUri?: string;
  /** Reuse a jar to keep a session across sign-ins; a fresh one otherwise. */
  cookies?: CookieJar;
  /** Extra form values by field name, e.g. a second factor. */
  fields?: Record<string, string>;
  /**
   * Refuse consent instead of granting it (picks the deny/cancel button).
   * Sign-in forms (those with a password field) are still filled in and
   * submitted, so the refusal happens on the consent page.
   */
  deny?: boolean;
  /** Press Cancel on the sign-in page instead of signing in (the user gives up before any consent). */
  cancelSignIn?: boolean;
  /** Give up after this many requests. Default 20. */
  maxHops?: number;
  /** Sees every HTML page on the way (sign-in, consent), before its form is submitted. */
  onPage?: (url: URL, html: string) => void;
  /** Sends each request (e.g. through a stand-in TLS terminator, or recording every response). Default: the global `fetch`. */
  fetch?: (url: URL, init: RequestInit) => Promise<Response>;
}

/**
 * Thrown when the flow cannot reach the redirect URI, with the last status
 * and the start of the page, to show what the server said.
 *
 * @example
 * ```ts
 * await expect(headlessLogin(url)).rejects.toThrow(HeadlessLoginError);
 * ```
 */
export class HeadlessLoginError extends Error {
  constructor(message: string, readonly status?: number, readonly body?: string) {
    super(message);
    this.name = 'HeadlessLoginError';
  }
}

/**
 * Runs the browser part of the authorization-code flow and returns the
 * callback URL the authorization server sent the user to (with `code`,
 * `state` and `iss`, or `error`).
 *
 * @example
 * ```ts
 * const callback = await headlessLogin(provider.authorizationUrl, { login: 'alice' });
 * await transport.finishAuth(authorizationCodeFrom(callback));
 * ```
 */
export async function headlessLogin(authorizationUrl: URL | string, options: HeadlessLoginOptions = {}): Promise<URL> {
  const start = new URL(authorizationUrl);
  const redirectUri = options.redirectUri ?? start.searchParams.get('redirect_uri');
  if (!redirectUri) throw new HeadlessLoginError('The authorization URL has no redirect_uri; pass options.redirectUri');
  const jar = options.cookies ?? new CookieJar();
  const maxHops = options.maxHops ?? 20;
  const send = options.fetch ?? ((url: URL, init: RequestInit) => fetch(url, init));

  let request: { url: URL; method: 'GET' | 'POST'; body?: URLSearchParams } = { url: start, method: 'GET' };
  for (let hop = 0; hop < maxHops; hop++) {
    if (request.url.href.startsWith(redirectUri)) return request.url;
    const response = await send(request.url, {
      method: request.method,
      redirect: 'manual',
      headers: {
        accept: 'text/html',
        ...(request.body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        ...(jar.header(request.url) ? { cookie: jar.header(request.url) } : {}),
      },
      body: request.body,
    });
    jar.store(request.url, response);
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      await response.body?.cancel();
      request = { url: new URL(location, request.url), method: 'GET' };
      continue;
    }
    const body = await response.text();
    if (response.status !== 200) {
      throw new HeadlessLoginError(`${request.method} ${request.url.pathname} answered ${response.status}`, response.status, body.slice(0, 2000));
    }
    options.onPage?.(request.url, body);
    const form = pickForm(parseForms(body));
    if (!form) throw new HeadlessLoginError(`${request.url.pathname} has no form to submit`, 200, body.slice(0, 2000));
    const { values, button } = fillForm(form, options);
    const action = new URL(button?.formAction || form.action || request.url.href, request.url);
    if (form.method === 'GET') {
      for (const [k, v] of values) action.searchParams.append(k, v);
      request = { url: action, method: 'GET' };
    } else {
      request = { url: action, method: 'POST', body: values };
    }
  }
  throw new HeadlessLoginError(`No redirect to ${redirectUri} after ${maxHops} requests`);
}

/**
 * The `code` of a callback URL; throws with the server's error otherwise.
 *
 * @example
 * ```ts
 * authorizationCodeFrom(new URL('http://127.0.0.1:1/cb?code=abc')); // 'abc'
 * ```
 */
export function authorizationCodeFrom(callback: URL): string {
  const code = callback.searchParams.get('code');
  if (code) return code;
  const error = callback.searchParams.get('error') ?? 'no code';
  const description = callback.searchParams.get('error_description');
  throw new HeadlessLoginError(`Authorization failed: ${error}${description ? ` (${description})` : ''}`);
}

function pickForm(forms: HtmlForm[]): HtmlForm | undefined {
  // A login page may also carry a "cancel" form; the one with a password wins.
  return forms.find((f) => f.fields.some((field) => field.type === 'password')) ?? forms[0];
}

const USERNAME_FIELD = /^(login|username|user|email|identifier|name)$/i;
const REFUSAL = /deny|cancel|reject|abort|decline|refuse/i;

function fillForm(form: HtmlForm, options: HeadlessLoginOptions): { values: URLSearchParams; button?: SubmitButton } {
  const values = new URLSearchParams();
  const signIn = form.fields.some((field) => field.type === 'password');
  const deny = signIn ? Boolean(options.cancelSignIn) : Boolean(options.deny);
  for (const field of form.fields) {
    let value = field.value;
    if (options.fields?.[field.name] !== undefined) value = options.fields[field.name] ?? '';
    else if (field.type === 'password') value = options.password ?? 'correct horse battery staple';
    else if ((field.type === 'text' || field.type === 'email') && USERNAME_FIELD.test(field.name)) value = options.login ?? 'alice';
    values.append(field.name, value);
  }
  const wanted = form.buttons.find((b) => REFUSAL.test(`${b.name ?? ''} ${b.value ?? ''} ${b.label}`) === deny);
  const button = wanted ?? (deny ? undefined : form.buttons[0]);
  if (deny && !button) throw new HeadlessLoginError('This page has no button to refuse with');
  if (button?.name) values.append(button.name, button.value ?? '');
  return { values, button };
}
