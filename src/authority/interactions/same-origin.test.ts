import { describe, expect, it } from 'vitest';
import { interactionResult, openSignIn, type OpenSignIn } from '../../../tests/browser/open-sign-in.js';
import { usePagesAuthority } from '../../../tests/browser/pages-authority.js';

/**
 * A form post another site's page made is refused before its fields are
 * read: with `Sec-Fetch-Site` (every current browser sends it) only
 * `same-origin` passes; without it, an `Origin` other than the issuer's is
 * refused. Each post carries the page's valid anti-forgery token and the
 * browser's cookie, so only the origin check stands between it and a sign-in.
 */
describe('sign-in posts made by another site', () => {
  const as = usePagesAuthority({ clientName: 'Notes app' });

  function postSignIn(page: OpenSignIn, headers: Record<string, string>): Promise<Response> {
    return fetch(new URL(`${page.url.pathname}/login`, page.url), {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: page.cookie, 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams({ csrf: page.csrf, username: 'mallory', password: '' }),
    });
  }

  it.each([
    ['Sec-Fetch-Site: cross-site', () => ({ 'sec-fetch-site': 'cross-site' })],
    ['Sec-Fetch-Site: same-site (a sibling subdomain)', () => ({ 'sec-fetch-site': 'same-site' })],
    ['Sec-Fetch-Site: none (typed in, or a bookmark)', () => ({ 'sec-fetch-site': 'none' })],
    ['Sec-Fetch-Site: cross-site, even with this issuer as Origin', () => ({ 'sec-fetch-site': 'cross-site', origin: as().origin })],
    ['no Sec-Fetch-Site, Origin another site', () => ({ origin: 'https://attacker.example' })],
    ['no Sec-Fetch-Site, Origin this host on another port', () => ({ origin: as().origin.replace(/:\d+$/, ':1') })],
    ['no Sec-Fetch-Site, Origin null (a sandboxed frame)', () => ({ origin: 'null' })],
  ])('%s gets 403 and signs nobody in', async (_case, headers) => {
    const page = await openSignIn(as());
    const posted = await postSignIn(page, headers());
    expect(posted.status).toBe(403);
    expect(posted.headers.get('location')).toBeNull();
    expect(await posted.text()).toContain('This form was sent from another website');
    expect(await interactionResult(as(), page.uid)).toBeUndefined();
  });

  it('the sign-in page itself opens from another site: a navigation from the app is cross-site', async () => {
    const page = await openSignIn(as());
    const opened = await fetch(page.url, { headers: { cookie: page.cookie, accept: 'text/html', 'sec-fetch-site': 'cross-site' }, redirect: 'manual' });
    expect(opened.status).toBe(200);
    expect(await opened.text()).toContain('name="csrf"');
  });

  it.each([
    ['Sec-Fetch-Site: same-origin', () => ({ 'sec-fetch-site': 'same-origin' })],
    ['Sec-Fetch-Site: same-origin, whatever Origin says (the browser knows better)', () => ({ 'sec-fetch-site': 'same-origin', origin: 'https://attacker.example' })],
    ['no Sec-Fetch-Site, Origin this issuer', () => ({ origin: as().origin })],
    ['neither header (a script, not a browser: the anti-forgery token decides)', () => ({})],
  ])('%s signs in', async (_case, headers) => {
    const page = await openSignIn(as());
    const posted = await postSignIn(page, headers());
    expect(posted.status).toBe(303);
    expect(await interactionResult(as(), page.uid)).toMatchObject({ login: { accountId: 'mallory' } });
  });
});
