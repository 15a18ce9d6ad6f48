import { describe, expect, it } from 'vitest';
import { interactionResult, openSignIn, type OpenSignIn } from '../../../tests/browser/open-sign-in.js';
import { usePagesAuthority } from '../../../tests/browser/pages-authority.js';
import { startUpload } from '../../../tests/helpers/raw-http.js';

/** The fields of a sign-in that would succeed (any username in development), as URL-encoded text. */
function signInFields(page: OpenSignIn): string {
  return new URLSearchParams({ csrf: page.csrf, username: 'mallory', password: '' }).toString();
}

function loginUrl(page: OpenSignIn): URL {
  return new URL(`${page.url.pathname}/login`, page.url);
}

function post(page: OpenSignIn, contentType: string, body: string): Promise<Response> {
  return fetch(loginUrl(page), { method: 'POST', redirect: 'manual', headers: { cookie: page.cookie, 'content-type': contentType }, body });
}

describe('sign-in form bodies read from the stream', () => {
  const as = usePagesAuthority({ clientName: 'Notes app' });

  it('the right fields as application/x-www-form-urlencoded sign in (what the refusals below differ from)', async () => {
    const page = await openSignIn(as());
    const posted = await post(page, 'application/x-www-form-urlencoded', signInFields(page));
    expect(posted.status).toBe(303);
    expect(await interactionResult(as(), page.uid)).toMatchObject({ login: { accountId: 'mallory' } });
  });

  it('a sign-in of exactly the 16 KiB cap, announced or streamed, and a charset parameter with spaces, still sign in', async () => {
    for (const mode of ['announced', 'streamed'] as const) {
      const page = await openSignIn(as());
      const fields = `${signInFields(page)}&padding=`;
      const body = `${fields}${'x'.repeat(16 * 1024 - fields.length)}`;
      const posted =
        mode === 'announced'
          ? await post(page, 'application/x-www-form-urlencoded ; charset=UTF-8', body)
          : await fetch(loginUrl(page), {
              method: 'POST',
              redirect: 'manual',
              headers: { cookie: page.cookie, 'content-type': 'application/x-www-form-urlencoded' },
              body: new Blob([body]).stream(),
              duplex: 'half',
            } as RequestInit);
      expect(posted.status, mode).toBe(303);
      expect(await interactionResult(as(), page.uid)).toMatchObject({ login: { accountId: 'mallory' } });
    }
  });

  // Both are types a cross-site form may send without a preflight; each body also reads as a valid URL-encoded sign-in.
  it.each([
    ['text/plain', (fields: string) => ({ type: 'text/plain', body: fields })],
    [
      'multipart/form-data',
      (fields: string) => ({
        type: 'multipart/form-data; boundary=b0undary',
        body: `--b0undary\r\nContent-Disposition: form-data; name="note"\r\n\r\n&${fields}&\r\n--b0undary--\r\n`,
      }),
    ],
  ])('a sign-in sent as %s gets 415 and signs nobody in', async (_type, make) => {
    const page = await openSignIn(as());
    const { type, body } = make(signInFields(page));
    const posted = await post(page, type, body);
    expect(posted.status).toBe(415);
    expect(posted.headers.get('location')).toBeNull();
    expect(await posted.text()).toContain('application/x-www-form-urlencoded');
    expect(await interactionResult(as(), page.uid)).toBeUndefined();
  });

  it('a chunked sign-in over the 16 KiB cap, with no Content-Length, gets 413 and signs nobody in', async () => {
    const page = await openSignIn(as());
    // Valid fields first, then padding in a field of its own: only the cap stands between it and a sign-in.
    const upload = startUpload(loginUrl(page).href, {
      headers: { cookie: page.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      prefix: `${signInFields(page)}&padding=`,
      mode: 'stream',
      streamBytes: 128 * 1024,
    });
    try {
      const response = await upload.response;
      expect(response.status).toBe(413);
      expect(response.headers.location).toBeUndefined();
      expect(response.body).toContain('The form is too large');
    } finally {
      upload.close();
    }
    expect(await interactionResult(as(), page.uid)).toBeUndefined();
  });

  it('a sign-in whose Content-Length is over the 16 KiB cap gets 413 and signs nobody in', async () => {
    const page = await openSignIn(as());
    const fields = `${signInFields(page)}&padding=`;
    const posted = await post(page, 'application/x-www-form-urlencoded', `${fields}${'x'.repeat(16 * 1024 + 1 - fields.length)}`);
    expect(posted.status).toBe(413);
    expect(posted.headers.get('location')).toBeNull();
    expect(await posted.text()).toContain('The form is too large');
    expect(await interactionResult(as(), page.uid)).toBeUndefined();
  });
});

/** Express's `urlencoded()` in front: the handler gets `req.body`, and its anti-forgery check must hold there too. */
describe('sign-in form bodies an app already parsed (Express)', () => {
  const as = usePagesAuthority({ clientName: 'Notes app', expressParsesForms: true });

  function postFields(page: OpenSignIn, fields: Record<string, string>) {
    return post(page, 'application/x-www-form-urlencoded', new URLSearchParams(fields).toString());
  }

  it('the right token signs in: the parsed body is what the handler read', async () => {
    const page = await openSignIn(as());
    const posted = await postFields(page, { csrf: page.csrf, username: 'mallory', password: '' });
    expect(posted.status).toBe(303);
    expect(await interactionResult(as(), page.uid)).toMatchObject({ login: { accountId: 'mallory' } });
  });

  it.each([
    ['no token', (_page: OpenSignIn) => ({ username: 'mallory', password: '' })],
    ['a wrong token', (_page: OpenSignIn) => ({ csrf: 'x'.repeat(43), username: 'mallory', password: '' })],
    ['an empty token', (_page: OpenSignIn) => ({ csrf: '', username: 'mallory', password: '' })],
  ])('%s gets 403 and signs nobody in', async (_case, fields) => {
    const page = await openSignIn(as());
    const posted = await postFields(page, fields(page));
    expect(posted.status).toBe(403);
    expect(posted.headers.get('location')).toBeNull();
    expect(await posted.text()).toContain('Request refused');
    expect(await interactionResult(as(), page.uid)).toBeUndefined();
  });

  it("another interaction's token gets 403 and signs neither in", async () => {
    const [mine, theirs] = await Promise.all([openSignIn(as()), openSignIn(as())]);
    const posted = await postFields(mine, { csrf: theirs.csrf, username: 'mallory', password: '' });
    expect(posted.status).toBe(403);
    expect(await interactionResult(as(), mine.uid)).toBeUndefined();
    expect(await interactionResult(as(), theirs.uid)).toBeUndefined();
  });

  it('the token repeated (one wrong, one right) gets 403: a list is no token', async () => {
    const page = await openSignIn(as());
    const body = `csrf=${'x'.repeat(43)}&csrf=${page.csrf}&username=mallory&password=`;
    const posted = await post(page, 'application/x-www-form-urlencoded', body);
    expect(posted.status).toBe(403);
    expect(await interactionResult(as(), page.uid)).toBeUndefined();
  });
});
