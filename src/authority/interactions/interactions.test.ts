import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { interactionResult, openSignIn } from '../../../tests/browser/open-sign-in.js';
import { startPagesAuthority, type PagesAuthority } from '../../../tests/browser/pages-authority.js';
import { authorizationCodeFrom, headlessLogin } from '../../../tests/helpers/headless-login.js';
import { parseForms } from '../../../tests/helpers/html-form.js';
import { ScriptedBrowser as Browser } from '../../../tests/helpers/scripted-browser.js';
import { hashPassword } from '../identity/password-hash.js';
import { writeUsersFile } from '../identity/users-file.js';

function codeOf(callback: URL): string {
  return authorizationCodeFrom(callback);
}

describe('sign-in and consent pages in development (any username)', () => {
  let as: PagesAuthority;
  beforeAll(async () => {
    as = await startPagesAuthority({ clientName: 'Notes <b>app</b>' });
  });
  afterAll(async () => {
    expect(as.handlerErrors).toEqual([]);
    await as.close();
  });

  it('signs in any username with no password; the username becomes the token sub', async () => {
    const request = as.authorize();
    const callback = await headlessLogin(request.url, { login: 'dev-user-1', password: '' });
    expect(callback.searchParams.get('state')).toBe(request.state);
    expect(callback.searchParams.get('iss')).toBe(as.origin);
    const tokens = await as.redeem(codeOf(callback), request.codeVerifier);
    const access = decodeJwt(String(tokens.access_token));
    expect(access.sub).toBe('dev-user-1');
    expect(access.aud).toBe(as.resource);
    expect(decodeJwt(String(tokens.id_token)).sub).toBe('dev-user-1');
  });

  it('claims no authentication method for a development sign-in (no password was proved)', async () => {
    const page = await openSignIn(as);
    const posted = await page.browser.submit(page.url, page.form, { username: 'dev-user-2', password: '' });
    expect(posted.status).toBe(303);
    expect(await interactionResult(as, page.uid)).toEqual({ login: { accountId: 'dev-user-2' } });
  });

  it('keeps users apart: two browsers, two subjects', async () => {
    const alice = as.authorize();
    const bob = as.authorize();
    const [a, b] = await Promise.all([
      headlessLogin(alice.url, { login: 'alice', password: '' }),
      headlessLogin(bob.url, { login: 'bob', password: '' }),
    ]);
    expect(decodeJwt(String((await as.redeem(codeOf(a), alice.codeVerifier)).access_token)).sub).toBe('alice');
    expect(decodeJwt(String((await as.redeem(codeOf(b), bob.codeVerifier)).access_token)).sub).toBe('bob');
  });

  it('labels the login page as a development sign-in, with strict headers', async () => {
    const browser = new Browser();
    const page = await browser.open(as.authorize().url, as.redirectUri);
    expect(page.url.pathname).toMatch(/^\/oauth\/interaction\/[\w-]+$/);
    expect(page.response!.status).toBe(200);
    expect(page.body).toContain('Development sign-in');
    expect(page.body).toContain('<html lang="en">');
    expect(page.body).toContain('name="viewport"');
    const headers = page.response!.headers;
    const csp = headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toMatch(/style-src 'sha256-[A-Za-z0-9+/=]+'/);
    // Browsers apply form-action to the redirects after a post: the client's origin must be allowed.
    expect(csp).toContain(`form-action 'self' ${new URL(as.redirectUri).origin}`);
    expect(headers.get('x-frame-options')).toBe('DENY');
    expect(headers.get('cache-control')).toBe('no-store');
    expect(headers.get('referrer-policy')).toBe('no-referrer');
    expect(headers.get('pragma')).toBe('no-cache'); // HTTP/1.0 caches, which ignore Cache-Control
    expect(headers.get('x-content-type-options')).toBe('nosniff');
    // Nothing loaded from elsewhere.
    expect(page.body).not.toMatch(/<(script|link|img|iframe)\b/i);
  });

  it('shows the consent details and escapes the client name', async () => {
    const browser = new Browser();
    const login = await browser.open(as.authorize().url, as.redirectUri);
    expect(login.body).toContain('Notes &lt;b&gt;app&lt;/b&gt;');
    const [form] = parseForms(login.body!);
    const posted = await browser.submit(login.url, form!, { username: 'carol', password: '' });
    expect(posted.status).toBe(303);
    const consent = await browser.open(new URL(posted.headers.get('location')!, login.url), as.redirectUri);
    const body = consent.body!;
    expect(body).toContain('Allow access?');
    expect(body).toContain('Notes &lt;b&gt;app&lt;/b&gt;');
    expect(body).not.toContain('<b>app</b>');
    expect(body).toContain(as.clientId);
    expect(body).toContain(as.resource);
    expect(body).toContain('<code>mcp:tools</code>');
    expect(body).toContain('<code>openid</code>');
    // Where the browser goes next, flagged as a program on this computer.
    expect(body).toContain(new URL(as.redirectUri).host);
    expect(body).toContain('A program running on this computer');
    expect(body).toContain('Signed in as <strong>carol</strong>');
  });

  it('denying consent sends access_denied to the redirect URI', async () => {
    const request = as.authorize();
    const callback = await headlessLogin(request.url, { login: 'dave', password: '', deny: true });
    expect(callback.origin + callback.pathname).toBe(as.redirectUri);
    expect(callback.searchParams.get('error')).toBe('access_denied');
    expect(callback.searchParams.get('state')).toBe(request.state);
    expect(callback.searchParams.get('code')).toBeNull();
  });

  it('Cancel on the sign-in page sends access_denied too', async () => {
    const browser = new Browser();
    const login = await browser.open(as.authorize().url, as.redirectUri);
    const [form] = parseForms(login.body!);
    const cancel = form!.buttons.find((b) => b.label === 'Cancel')!;
    const posted = await browser.submit(login.url, form!, { [cancel.name!]: cancel.value }, cancel.formAction);
    const end = await browser.open(new URL(posted.headers.get('location')!, login.url), as.redirectUri);
    expect(end.url.searchParams.get('error')).toBe('access_denied');
  });

  it('a signed-in browser skips the sign-in page; a native client still gets the consent page (RFC 8252 §8.6)', async () => {
    const browser = new Browser();
    await headlessLogin(as.authorize().url, { login: 'erin', password: '', cookies: browser.jar });
    const again = as.authorize();
    const page = await browser.open(again.url, as.redirectUri);
    expect(page.body).toContain('Allow access?');
    expect(page.body).toContain('Signed in as <strong>erin</strong>');
    expect(page.body).toContain('wants to access');
    expect(page.body).toContain('<code>mcp:tools</code>');
    const callback = await headlessLogin(page.url, { cookies: browser.jar, redirectUri: as.redirectUri });
    expect(decodeJwt(String((await as.redeem(codeOf(callback), again.codeVerifier)).access_token)).sub).toBe('erin');
  });

  it('a consent form saying deny never grants, whichever of its actions it is posted to', async () => {
    const browser = new Browser();
    await headlessLogin(as.authorize().url, { login: 'ivy', password: '', cookies: browser.jar });
    const request = as.authorize();
    const consent = await browser.open(request.url, as.redirectUri);
    const form = parseForms(consent.body!).find((f) => f.action.endsWith('/confirm'))!;
    const posted = await browser.submit(consent.url, form, { decision: 'deny' });
    const end = await browser.open(new URL(posted.headers.get('location')!, consent.url), as.redirectUri);
    expect(end.url.searchParams.get('error')).toBe('access_denied');
    expect(end.url.searchParams.get('code')).toBeNull();
  });

  it('a consent posted while the interaction still asks who signs in grants nothing: back to the sign-in page', async () => {
    const browser = new Browser();
    const login = await browser.open(as.authorize().url, as.redirectUri);
    const csrf = parseForms(login.body!)[0]!.fields.find((f) => f.name === 'csrf')!.value;
    const posted = await browser.request(new URL(`${login.url.pathname}/confirm`, login.url), { form: new URLSearchParams({ csrf, decision: 'approve' }) });
    expect(posted.status).toBe(303);
    expect(posted.headers.get('location')).toBe(login.url.pathname);
    expect(await interactionResult(as, login.url.pathname.split('/').pop()!)).toBeUndefined();
  });

  it('a sign-in posted again at the consent step changes nobody: back to the page, the consent still for the one signed in', async () => {
    const browser = new Browser();
    await headlessLogin(as.authorize().url, { login: 'heidi', password: '', cookies: browser.jar });
    const consent = await browser.open(as.authorize().url, as.redirectUri);
    expect(consent.body).toContain('Signed in as <strong>heidi</strong>');
    const csrf = parseForms(consent.body!)[0]!.fields.find((f) => f.name === 'csrf')!.value;
    const uid = consent.url.pathname.split('/').pop()!;
    const posted = await browser.request(new URL(`${consent.url.pathname}/login`, consent.url), { form: new URLSearchParams({ csrf, username: 'mallory', password: '' }) });
    expect(posted.status).toBe(303);
    expect(posted.headers.get('location')).toBe(consent.url.pathname);
    expect(await interactionResult(as, uid)).toBeUndefined();
    expect((await browser.open(consent.url, as.redirectUri)).body).toContain('Signed in as <strong>heidi</strong>');
  });

  it("prefills the client's login_hint when it is a valid username, and never a malformed one", async () => {
    const page = (hint: string) => new Browser().open(as.authorize({ extra: { login_hint: hint } }).url, as.redirectUri);
    expect((await page('  hinted-user ')).body).toContain('name="username" value="hinted-user"');
    expect((await page('two words')).body).toContain('name="username" value=""');
  });

  it('"Use another account" signs out and asks again; the new user gets the token', async () => {
    const browser = new Browser();
    await headlessLogin(as.authorize().url, { login: 'frank', password: '', cookies: browser.jar });
    // A scope not granted before: the consent page says it is more, and shows who is signed in.
    const request = as.authorize({ scope: 'openid profile mcp:tools' });
    const consent = await browser.open(request.url, as.redirectUri);
    expect(consent.body).toContain('Signed in as <strong>frank</strong>');
    expect(consent.body).toContain('asks for more access to');
    expect(consent.body).toContain('See your name');
    const switchForm = parseForms(consent.body!).find((f) => f.action.endsWith('/switch'))!;
    const switched = await browser.submit(consent.url, switchForm, {});
    expect(switched.status).toBe(303);
    // The same authorization request again, its parameters as sent and nothing else (no unset ones as "undefined").
    const restarted = new URL(switched.headers.get('location')!, consent.url);
    expect([...restarted.searchParams.keys()].sort()).toEqual([...request.url.searchParams.keys()].sort());
    expect(restarted.searchParams.get('state')).toBe(request.state);
    const login = await browser.open(restarted, as.redirectUri);
    expect(login.body).toContain('Sign in');
    const callback = await headlessLogin(login.url, { login: 'grace', password: '', cookies: browser.jar, redirectUri: as.redirectUri });
    const tokens = await as.redeem(codeOf(callback), request.codeVerifier);
    expect(decodeJwt(String(tokens.access_token)).sub).toBe('grace');
  });

  it('refuses a username with spaces or control characters, on the page', async () => {
    const browser = new Browser();
    const login = await browser.open(as.authorize().url, as.redirectUri);
    const [form] = parseForms(login.body!);
    const posted = await browser.submit(login.url, form!, { username: 'a b\u0007', password: '' });
    expect(posted.status).toBe(200);
    const body = await posted.text();
    expect(body).toContain('role="alert"');
    expect(body).toContain('without spaces');
    expect(posted.headers.get('location')).toBeNull();
  });

  describe('anti-forgery token', () => {
    async function loginForm() {
      const browser = new Browser();
      const login = await browser.open(as.authorize().url, as.redirectUri);
      return { browser, login, form: parseForms(login.body!)[0]! };
    }

    it('a form without the token gets 403 and signs nobody in', async () => {
      const { browser, login, form } = await loginForm();
      const posted = await browser.submit(login.url, form, { csrf: undefined, username: 'mallory', password: '' });
      expect(posted.status).toBe(403);
      expect(posted.headers.get('location')).toBeNull();
      expect(await posted.text()).toContain('Request refused');
    });

    it('a wrong token gets 403', async () => {
      const { browser, login, form } = await loginForm();
      const posted = await browser.submit(login.url, form, { csrf: 'x'.repeat(43), username: 'mallory', password: '' });
      expect(posted.status).toBe(403);
    });

    it("another interaction's token gets 403", async () => {
      const first = await loginForm();
      const second = await loginForm();
      const token = first.form.fields.find((f) => f.name === 'csrf')!.value;
      const posted = await second.browser.submit(second.login.url, second.form, { csrf: token, username: 'mallory', password: '' });
      expect(posted.status).toBe(403);
    });

    it('"Use another account" without the token gets 403 and signs nobody out (a forged sign-out)', async () => {
      const browser = new Browser();
      await headlessLogin(as.authorize().url, { login: 'judy', password: '', cookies: browser.jar });
      const consent = await browser.open(as.authorize().url, as.redirectUri);
      const posted = await browser.request(new URL(`${consent.url.pathname}/switch`, consent.url), { form: new URLSearchParams() });
      expect(posted.status).toBe(403);
      expect((await browser.open(consent.url, as.redirectUri)).body).toContain('Signed in as <strong>judy</strong>');
    });

    it('a deny without the token gets 403 too', async () => {
      const { browser, login } = await loginForm();
      const posted = await browser.request(new URL(`${login.url.pathname}/abort`, login.url), { form: new URLSearchParams() });
      expect(posted.status).toBe(403);
    });
  });

  it('a post without the interaction cookie (another browser) is an expired sign-in, 400', async () => {
    const { login, form } = await (async () => {
      const browser = new Browser();
      const page = await browser.open(as.authorize().url, as.redirectUri);
      return { login: page, form: parseForms(page.body!)[0]! };
    })();
    const stranger = new Browser();
    const posted = await stranger.submit(login.url, form, { username: 'mallory', password: '' });
    expect(posted.status).toBe(400);
    expect(await posted.text()).toContain('This sign-in has expired');
  });

  it('answers a HEAD on the sign-in page with its headers and no body', async () => {
    const page = await openSignIn(as);
    const head = await page.browser.request(page.url, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(head.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(Number(head.headers.get('content-length'))).toBeGreaterThan(0);
    expect(await head.text()).toBe('');
  });

  it('answers 405 to a GET on a form route and leaves other paths alone', async () => {
    const wrong = await fetch(`${as.origin}/oauth/interaction/abc/login`);
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('POST');
    // The page takes two methods: both named, as one list (RFC 9110 §10.2.1).
    const posted = await fetch(`${as.origin}/oauth/interaction/abc`, { method: 'POST' });
    expect(posted.status).toBe(405);
    expect(posted.headers.get('allow')).toBe('GET, HEAD');
    const other = await fetch(`${as.origin}/oauth/jwks`);
    expect(other.status).toBe(200);
  });
});

describe('sign-in page with a malicious client name', () => {
  let as: PagesAuthority;
  beforeAll(async () => {
    as = await startPagesAuthority({ clientName: '<script>alert(1)</script>"\'><img src=x onerror=alert(2)>\u202Egnp.exe' });
  });
  afterAll(async () => as.close());

  it('escapes it on the login and consent pages and drops direction overrides', async () => {
    const browser = new Browser();
    const login = await browser.open(as.authorize().url, as.redirectUri);
    const [form] = parseForms(login.body!);
    const posted = await browser.submit(login.url, form!, { username: 'ivan', password: '' });
    const consent = await browser.open(new URL(posted.headers.get('location')!, login.url), as.redirectUri);
    for (const body of [login.body!, consent.body!]) {
      expect(body).not.toContain('<script');
      expect(body).not.toContain('<img');
      expect(body).not.toContain('\u202E');
      expect(body).toContain('&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&gt;&lt;img src=x onerror=alert(2)&gt;gnp.exe');
    }
  });
});

describe('sign-in in production (users file with password hashes)', () => {
  let as: PagesAuthority;
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gatehouse-users-'));
    const usersFile = join(dir, 'users.json');
    // Cost 4 keeps the test fast; real hashes use BCRYPT_COST.
    await writeUsersFile(usersFile, [
      { username: 'alice', passwordHash: await hashPassword('correct horse battery staple', 4), name: 'Alice Liddell', email: 'alice@example.com' },
    ]);
    as = await startPagesAuthority({ authority: { env: 'production', usersFile }, clientName: 'Notes app' });
  });
  afterAll(async () => {
    await as.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('has no development banner and requires the password', async () => {
    const page = await new Browser().open(as.authorize().url, as.redirectUri);
    expect(page.body).not.toContain('Development sign-in');
    expect(page.body).toMatch(/<input type="password"[^>]* required/);
  });

  it('signs alice in with the right password; sub is her username', async () => {
    const request = as.authorize({ scope: 'openid mcp:tools' });
    const callback = await headlessLogin(request.url, { login: 'alice', password: 'correct horse battery staple' });
    const tokens = await as.redeem(codeOf(callback), request.codeVerifier);
    expect(decodeJwt(String(tokens.access_token)).sub).toBe('alice');
    expect(decodeJwt(String(tokens.id_token)).sub).toBe('alice');
  });

  async function attempt(username: string, password: string) {
    const browser = new Browser();
    const login = await browser.open(as.authorize().url, as.redirectUri);
    const [form] = parseForms(login.body!);
    const posted = await browser.submit(login.url, form!, { username, password });
    return { status: posted.status, location: posted.headers.get('location'), retryAfter: posted.headers.get('retry-after'), body: await posted.text() };
  }

  it('records the sign-in as a password one (amr pwd, RFC 8176); the development sign-in claims none', async () => {
    const page = await openSignIn(as);
    const posted = await page.browser.submit(page.url, page.form, { username: 'alice', password: 'correct horse battery staple' });
    expect(posted.status).toBe(303);
    expect(await interactionResult(as, page.uid)).toEqual({ login: { accountId: 'alice', amr: ['pwd'] } });
  });

  it('a wrong password shows the page again with an error and issues no code', async () => {
    const wrong = await attempt('alice', 'not her password');
    expect(wrong.status).toBe(200);
    expect(wrong.location).toBeNull();
    expect(wrong.body).toContain('That username and password do not match');
    expect(wrong.body).toContain('value="alice"');
    expect(wrong.retryAfter).toBeNull(); // only a throttled attempt is told to wait
    expect(as.callbacks.filter((c) => c.searchParams.has('code'))).toEqual([]);
  });

  it('an unknown user gets exactly the same message (no enumeration)', async () => {
    const unknown = await attempt('nobody', 'not her password');
    const wrong = await attempt('alice', 'not her password');
    const message = (body: string) => /<p class="error"[^>]*>([^<]*)<\/p>/.exec(body)?.[1];
    expect(unknown.status).toBe(wrong.status);
    expect(message(unknown.body)).toBe(message(wrong.body));
    expect(message(unknown.body)).toBeTruthy();
  });

  it('an empty password never signs in', async () => {
    const empty = await attempt('alice', '');
    expect(empty.location).toBeNull();
    expect(empty.body).toContain('That username and password do not match');
  });
});
