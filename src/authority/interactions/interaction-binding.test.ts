import { describe, expect, it } from 'vitest';
import { interactionResult, openSignIn } from '../../../tests/browser/open-sign-in.js';
import { usePagesAuthority } from '../../../tests/browser/pages-authority.js';

/**
 * The browser's interaction cookie names the sign-in it is in; the page
 * URL names one too. When they disagree (a link to someone else's sign-in
 * opened in a browser that is in its own), the page is the expired one and
 * no form post on that URL acts on either sign-in.
 */
describe("a sign-in page URL naming another interaction than the browser's cookie", () => {
  const as = usePagesAuthority({ clientName: 'Notes app' });

  /** Two sign-ins under way, and one browser's cookies sent to the other's URL. */
  async function crossed() {
    const [mine, theirs] = await Promise.all([openSignIn(as()), openSignIn(as())]);
    expect(mine.uid).not.toBe(theirs.uid);
    return { mine, theirs, onTheirs: (action = '') => new URL(`${theirs.url.pathname}${action}`, theirs.url) };
  }

  it('shows the expired page, 400, not the sign-in form of either', async () => {
    const { mine, onTheirs } = await crossed();
    const page = await fetch(onTheirs(), { headers: { cookie: mine.cookie, accept: 'text/html' }, redirect: 'manual' });
    expect(page.status).toBe(400);
    const body = await page.text();
    expect(body).toContain('This sign-in has expired');
    expect(body).not.toContain('name="csrf"');
    expect(body).not.toContain('name="username"');
  });

  it("a sign-in posted there with the cookie's own valid token signs nobody in", async () => {
    const { mine, theirs, onTheirs } = await crossed();
    const posted = await fetch(onTheirs('/login'), {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: mine.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf: mine.csrf, username: 'mallory', password: '' }),
    });
    expect(posted.status).toBe(400);
    expect(posted.headers.get('location')).toBeNull();
    expect(await posted.text()).toContain('This sign-in has expired');
    expect(await interactionResult(as(), mine.uid)).toBeUndefined();
    expect(await interactionResult(as(), theirs.uid)).toBeUndefined();
  });

  it('the same post on its own URL does sign in (the refusal above is the mismatch, nothing else)', async () => {
    const { mine } = await crossed();
    const posted = await fetch(new URL(`${mine.url.pathname}/login`, mine.url), {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: mine.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf: mine.csrf, username: 'mallory', password: '' }),
    });
    expect(posted.status).toBe(303);
    expect(await interactionResult(as(), mine.uid)).toMatchObject({ login: { accountId: 'mallory' } });
  });
});
