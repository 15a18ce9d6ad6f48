/**
 * Signs a user in without a browser: follows the authorization URL's
 * redirects by hand, keeps cookies, fills and submits each HTML form (the
 * sign-in page, then consent) and stops at the client's redirect URI.
 * Enough for Gatehouse's own pages and other plain-form login pages.
 */

interface Form {
  action: string;
  method: 'GET' | 'POST';
  fields: { name: string; type: string; value: string }[];
  buttons: { name?: string; value?: string; label: string; formAction?: string }[];
}

export interface HeadlessLoginOptions {
  /** Typed into the username field. Default `alice`. */
  login?: string;
  /** Typed into the password field (Gatehouse's development sign-in needs none). Default empty. */
  password?: string;
}

function attributes(source: string): Record<string, string> {
  const found: Record<string, string> = {};
  for (const m of source.matchAll(/([^\s=/>"']+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?/g)) {
    found[(m[1] ?? '').toLowerCase()] = decode(m[2] ?? m[3] ?? m[4] ?? '');
  }
  return found;
}

function decode(text: string): string {
  const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (whole, ref: string) => {
    if (ref.startsWith('#x') || ref.startsWith('#X')) return String.fromCodePoint(parseInt(ref.slice(2), 16));
    if (ref.startsWith('#')) return String.fromCodePoint(parseInt(ref.slice(1), 10));
    return named[ref.toLowerCase()] ?? whole;
  });
}

function parseForms(html: string): Form[] {
  return [...html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)].map((match) => {
    const form = attributes(match[1] ?? '');
    const body = match[2] ?? '';
    const fields = [...body.matchAll(/<input\b([^>]*)>/gi)]
      .map((input) => attributes(input[1] ?? ''))
      .filter((a) => a.name !== undefined && !['submit', 'image'].includes((a.type ?? 'text').toLowerCase()))
      .map((a) => ({ name: a.name!, type: (a.type ?? 'text').toLowerCase(), value: a.value ?? '' }));
    const buttons = [...body.matchAll(/<button\b([^>]*)>([\s\S]*?)<\/button>/gi)]
      .map((button) => ({ a: attributes(button[1] ?? ''), label: (button[2] ?? '').replace(/<[^>]*>/g, '').trim() }))
      .filter(({ a }) => (a.type ?? 'submit').toLowerCase() === 'submit')
      .map(({ a, label }) => ({ name: a.name, value: a.value, label, formAction: a.formaction }));
    return { action: form.action ?? '', method: (form.method ?? 'get').toUpperCase() === 'POST' ? 'POST' : 'GET', fields, buttons };
  });
}

/** Cookies by host, sent back on every request to that host (paths ignored: enough for one sign-in). */
class CookieJar {
  readonly #hosts = new Map<string, Map<string, string>>();

  store(url: URL, response: Response): void {
    const cookies = this.#hosts.get(url.host) ?? new Map<string, string>();
    this.#hosts.set(url.host, cookies);
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const expired = /max-age=0|expires=thu, 01 jan 1970/i.test(line);
      if (expired) cookies.delete(pair.slice(0, eq).trim());
      else cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
  }

  header(url: URL): string {
    return [...(this.#hosts.get(url.host) ?? new Map<string, string>())].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}

const REFUSAL = /deny|cancel|reject|abort|another account/i;

/**
 * Runs the browser's part of the authorization-code flow and returns the
 * callback URL the user was sent back to (with `code` and `state`).
 *
 * @example
 * const callback = await headlessLogin(provider.authorizationUrl, { login: 'alice' });
 * await transport.finishAuth(callback.searchParams.get('code')!);
 */
export async function headlessLogin(authorizationUrl: URL, options: HeadlessLoginOptions = {}): Promise<URL> {
  const redirectUri = authorizationUrl.searchParams.get('redirect_uri');
  if (!redirectUri) throw new Error('The authorization URL has no redirect_uri');
  const jar = new CookieJar();
  let next: { url: URL; body?: URLSearchParams } = { url: authorizationUrl };
  for (let hop = 0; hop < 20; hop++) {
    if (next.url.href.startsWith(redirectUri)) return next.url;
    const cookie = jar.header(next.url);
    const response = await fetch(next.url, {
      method: next.body ? 'POST' : 'GET',
      redirect: 'manual',
      headers: { accept: 'text/html', ...(cookie ? { cookie } : {}) },
      body: next.body,
    });
    jar.store(next.url, response);
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      await response.body?.cancel();
      next = { url: new URL(location, next.url) };
      continue;
    }
    const html = await response.text();
    if (response.status !== 200) throw new Error(`${next.url.pathname} answered ${response.status}: ${html.slice(0, 300)}`);
    const forms = parseForms(html);
    const form = forms.find((f) => f.fields.some((field) => field.type === 'password')) ?? forms[0];
    if (!form) throw new Error(`${next.url.pathname} has no form to submit`);
    const values = new URLSearchParams();
    for (const field of form.fields) {
      if (field.type === 'password') values.append(field.name, options.password ?? '');
      else if (field.type === 'text' && /^(login|username|user|email)$/i.test(field.name)) values.append(field.name, options.login ?? 'alice');
      else values.append(field.name, field.value);
    }
    const button = form.buttons.find((b) => !REFUSAL.test(`${b.name ?? ''} ${b.value ?? ''} ${b.label}`));
    if (button?.name) values.append(button.name, button.value ?? '');
    const action = new URL(button?.formAction || form.action || next.url.href, next.url);
    if (form.method === 'GET') {
      for (const [name, value] of values) action.searchParams.append(name, value);
      next = { url: action };
    } else {
      next = { url: action, body: values };
    }
  }
  throw new Error(`No redirect to ${redirectUri} after 20 requests`);
}
