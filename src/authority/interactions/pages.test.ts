import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { consentPage } from './consent-page.js';
import { csrfToken, csrfTokenMatches } from './csrf.js';
import { displayText, escapeHtml, html } from './html.js';
import { loginPage } from './login-page.js';
import { describeRedirect } from './redirect-target.js';
import { contentSecurityPolicy, formActionSource } from './respond.js';
import { interactionPath, matchInteractionRoute } from './routes.js';
import { PAGE_CSS, PAGE_CSS_HASH } from './styles.js';

describe('html', () => {
  it('escapes every interpolated value, including in attributes', () => {
    const evil = `"><script>alert('x')</script>\``;
    expect(html`<input value="${evil}">`.value).toBe('<input value="&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&#96;">');
    expect(escapeHtml('a & b')).toBe('a &amp; b');
    // Nested markup from html is kept; lists are joined; nothing prints for false/undefined.
    expect(html`<ul>${['<a>', 'b'].map((x) => html`<li>${x}</li>`)}${false}${undefined}</ul>`.value).toBe('<ul><li>&lt;a&gt;</li><li>b</li></ul>');
  });

  it('cleans third-party text: no direction overrides or control characters, bounded length', () => {
    expect(displayText('Notes\u202Etxt.exe', 80)).toBe('Notestxt.exe');
    expect(displayText('  two\n\tlines  ', 80)).toBe('two lines');
    expect(displayText('x'.repeat(100), 10)).toBe(`${'x'.repeat(9)}…`);
  });
});

describe('content security policy', () => {
  it('allows the page stylesheet by its hash and nothing else', () => {
    expect(PAGE_CSS_HASH).toBe(`'sha256-${createHash('sha256').update(PAGE_CSS).digest('base64')}'`);
    const csp = contentSecurityPolicy(['http://127.0.0.1:33418']);
    expect(csp).toBe(`default-src 'none'; style-src ${PAGE_CSS_HASH}; form-action 'self' http://127.0.0.1:33418; frame-ancestors 'none'; base-uri 'none'`);
  });

  it('lets forms end at the client: origin for http(s), scheme for apps and IPv6 loopback', () => {
    expect(formActionSource('https://claude.ai/api/mcp/auth_callback')).toBe('https://claude.ai');
    expect(formActionSource('http://localhost:6274/oauth/callback')).toBe('http://localhost:6274');
    expect(formActionSource('http://[::1]:8080/cb')).toBe('http:');
    expect(formActionSource('cursor://anysphere.cursor-mcp/oauth/callback')).toBe('cursor:');
    expect(formActionSource('not a url')).toBeUndefined();
    // Nothing from the URI can add a directive.
    for (const sneaky of ['https://a.example;script-src *', 'https://a.example%3Bx/', "x-app://h'unsafe-inline'/"]) {
      expect(formActionSource(sneaky) ?? '', sneaky).toMatch(/^([a-z][a-z0-9+.-]*:(\/\/[a-z0-9.-]+(:\d+)?)?)?$/);
    }
  });
});

describe('redirect targets', () => {
  it('flags loopback, custom schemes and plain http; a website is just its host', () => {
    expect(describeRedirect('https://claude.ai/api/mcp/auth_callback')).toEqual({ kind: 'website', label: 'claude.ai', uri: 'https://claude.ai/api/mcp/auth_callback' });
    expect(describeRedirect('http://127.0.0.1:33418/').kind).toBe('loopback');
    expect(describeRedirect('http://[::1]:1234/cb').kind).toBe('loopback');
    expect(describeRedirect('http://localhost:6274/oauth/callback').label).toBe('localhost:6274');
    const app = describeRedirect('cursor://anysphere.cursor-mcp/oauth/callback');
    expect(app.kind).toBe('app');
    expect(app.label).toBe('cursor://anysphere.cursor-mcp');
    expect(app.note).toContain('"cursor:"');
    expect(describeRedirect('http://example.com/cb').kind).toBe('insecure-website');
  });
});

describe('routes', () => {
  it('matches the page and its actions under the prefix, nothing else', () => {
    expect(matchInteractionRoute('/oauth', '/oauth/interaction/Ab_9-x')).toEqual({ uid: 'Ab_9-x', action: 'page' });
    expect(matchInteractionRoute('/oauth', '/oauth/interaction/abc/confirm')).toEqual({ uid: 'abc', action: 'confirm' });
    for (const other of ['/oauth/interaction/', '/oauth/interaction/abc/delete', '/oauth/interaction/a.b', '/oauth/token', '/interaction/abc', '/oauth/interaction/abc/login/x']) {
      expect(matchInteractionRoute('/oauth', other), other).toBeUndefined();
    }
    expect(interactionPath('/as', 'abc', 'abort')).toBe('/as/interaction/abc/abort');
  });
});

describe('anti-forgery tokens', () => {
  it('are bound to the interaction and its server-side secret', () => {
    const interaction = { uid: 'uid-1', cid: 'secret-a' };
    const token = csrfToken(interaction);
    expect(csrfTokenMatches(interaction, token)).toBe(true);
    expect(csrfTokenMatches({ uid: 'uid-2', cid: 'secret-a' }, token)).toBe(false);
    expect(csrfTokenMatches({ uid: 'uid-1', cid: 'secret-b' }, token)).toBe(false);
    expect(csrfTokenMatches(interaction, undefined)).toBe(false);
    expect(csrfTokenMatches(interaction, `${token}x`)).toBe(false);
    // No secret, no token that could match.
    expect(csrfTokenMatches({ uid: 'uid-1' }, csrfToken({ uid: 'uid-1' }))).toBe(false);
  });
});

describe('pages', () => {
  const actions = { login: '/oauth/interaction/u/login', abort: '/oauth/interaction/u/abort', confirm: '/oauth/interaction/u/confirm', switchAccount: '/oauth/interaction/u/switch' };

  it('login: labelled fields, dev banner only in development, the error announced', () => {
    const dev = loginPage({ actions, csrf: 't', clientName: 'App', devLogin: true }).value;
    expect(dev).toContain('<label for="username">');
    expect(dev).toContain('<label for="password">');
    expect(dev).toContain('role="note"');
    expect(dev).not.toMatch(/type="password"[^>]*required/);
    const prod = loginPage({ actions, csrf: 't', clientName: 'App', devLogin: false, username: 'alice', error: 'Wrong.' }).value;
    expect(prod).not.toContain('Development sign-in');
    expect(prod).toContain('<p class="error" id="login-error" role="alert">Wrong.</p>');
    expect(prod).toContain('aria-describedby="login-error"');
    expect(prod).toMatch(/id="password"[^>]* required autofocus/);
  });

  it('consent: app id, resource, scopes, redirect and both buttons', () => {
    const page = consentPage({
      actions,
      csrf: 't',
      devLogin: false,
      client: { name: 'Cursor', id: 'https://cursor.example/client.json' },
      accountId: 'alice',
      redirect: describeRedirect('cursor://anysphere.cursor-mcp/oauth/callback'),
      scopes: [{ name: 'mcp:tools' }],
      resources: [{ uri: 'https://mcp.example.com/mcp', name: 'Notes' }],
      additional: false,
    }).value;
    expect(page).toContain('App ID: <code>https://cursor.example/client.json</code>');
    expect(page).toContain('<code>https://mcp.example.com/mcp</code>');
    expect(page).toContain('<strong>cursor://anysphere.cursor-mcp</strong>');
    expect(page).toContain('class="flag"');
    expect(page).toContain('name="decision" value="approve"');
    expect(page).toContain(`formaction="${actions.abort}"`);
  });
});
