/**
 * pinPublicOrigin on a real oidc-provider: every request context, whatever
 * its Host, X-Forwarded-* or request target, sees the issuer's origin. The
 * e2e side (documents and redirects naming only PUBLIC_URL) is in
 * tests/e2e/public-urls.test.ts; this pins each property the provider may
 * read, including those no current flow happens to use.
 */
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import Provider from 'oidc-provider';
import { describe, expect, it } from 'vitest';
import { pinPublicOrigin } from './public-origin.js';

const ISSUER = 'https://mcp.example.com:8443';

/** A Koa context of the provider's app for a request as an attacker may send it. */
function contextFor(provider: Provider, target: string) {
  const req = new IncomingMessage(new Socket());
  req.method = 'GET';
  req.url = target;
  req.headers = { host: 'evil.example', 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'http' };
  return provider.app.createContext(req, new ServerResponse(req));
}

describe('pinPublicOrigin', () => {
  const provider = new Provider(ISSUER, {});
  provider.proxy = true;
  pinPublicOrigin(provider, ISSUER);

  it('gives every request the issuer protocol, host, href and URL, never the forged ones', () => {
    const ctx = contextFor(provider, '/oauth/authorize?client_id=a');
    expect(ctx.protocol).toBe('https');
    expect(ctx.secure).toBe(true);
    expect(ctx.host).toBe('mcp.example.com:8443');
    expect(ctx.href).toBe(`${ISSUER}/oauth/authorize?client_id=a`);
    expect(ctx.URL.href).toBe(`${ISSUER}/oauth/authorize?client_id=a`);
  });

  it.each(['http://evil.example/oauth/authorize?client_id=a', 'HTTPS://evil.example/oauth/authorize?client_id=a'])(
    'keeps only the path and query of an absolute-form target (%s)',
    (target) => {
      const ctx = contextFor(provider, target);
      expect(ctx.href).toBe(`${ISSUER}/oauth/authorize?client_id=a`);
      expect(ctx.URL.href).toBe(`${ISSUER}/oauth/authorize?client_id=a`);
    },
  );

  it('an absolute-form target that is no URL is read as the root', () => {
    expect(contextFor(provider, 'http://[bad/x').href).toBe(`${ISSUER}/`);
  });

  it('leaves a path that merely contains a URL alone', () => {
    const ctx = contextFor(provider, '/cb?next=http://evil.example/');
    expect(ctx.href).toBe(`${ISSUER}/cb?next=http://evil.example/`);
  });
});
