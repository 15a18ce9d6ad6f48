/**
 * Broker mode against an enterprise-shaped upstream (a second oidc-provider:
 * no registration, no resource indicators, opaque short-lived access
 * tokens, one confidential client): the official SDK client signs in
 * through Gatehouse, holds Gatehouse's own token for the MCP resource, and
 * the upstream tool keeps working after the upstream token expired.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEnterpriseIdp, type EnterpriseIdp } from '../helpers/enterprise-idp.js';
import { InMemoryOAuthProvider } from '../helpers/sdk-oauth-provider.js';
import { callJson, signInWithSdk, tempStateDir } from '../e2e/authority-harness.js';
import { headlessLogin, HeadlessLoginError } from '../helpers/headless-login.js';
import { parseForms } from '../helpers/html-form.js';
import { ScriptedBrowser } from '../helpers/scripted-browser.js';
import { callbackOn, freePort, jwtPayload, registeredClient, startBrokerDemo } from './broker-harness.js';

const APP_REDIRECT = 'http://127.0.0.1:47712/callback';

const USERS = {
  ada: { email: 'ada@example.com', email_verified: true, name: 'Ada Lovelace', groups: ['engineering'] },
  eve: { email: 'eve@other.example', email_verified: true, name: 'Eve' },
};

describe('broker mode with an enterprise OIDC upstream', () => {
  const state = tempStateDir();
  let idp: EnterpriseIdp;
  let demo: Awaited<ReturnType<typeof startBrokerDemo>>;
  let port: number;

  beforeAll(async () => {
    port = await freePort();
    // 32 s: within the vault's 30 s refresh skew after 2 s, so a refresh is due without a long wait.
    idp = await startEnterpriseIdp({ redirectUri: callbackOn(port), accessTokenTtl: 32, users: USERS });
    demo = await startBrokerDemo(state.path, port, {
      issuer: idp.issuer,
      clientId: idp.clientId,
      clientSecret: idp.clientSecret,
      scopes: ['openid', 'profile', 'email', 'groups', 'offline_access'],
      allowed: { domains: ['example.com'] },
    });
  });
  afterAll(async () => {
    await demo?.close();
    await idp?.close();
    state.remove();
  });

  it('says at start where users sign in and which callback to register', () => {
    expect(demo.output.out.join('\n')).toContain(`sign in: at the upstream (oidc); the redirect URI to register there: ${callbackOn(port)}`);
  });

  it('signs the SDK client in at the upstream; the token it holds is Gatehouse\'s, for the MCP resource', async () => {
    const provider = new InMemoryOAuthProvider({ redirectUrl: 'http://127.0.0.1:47711/callback' });
    const client = await signInWithSdk(demo.mcpUrl, provider, 'ada');
    expect(await callJson(client, 'whoami')).toMatchObject({ subject: 'oidc|ada', resource: demo.mcpUrl });
    const upstream = await callJson(client, 'upstream_whoami');
    expect(upstream).toMatchObject({ user: { sub: 'ada', email: 'ada@example.com', name: 'Ada Lovelace' } });
    await client.close();
    const tokens = provider.tokens()!;
    expect(jwtPayload(tokens.access_token)).toMatchObject({ iss: demo.origin, aud: demo.mcpUrl, sub: 'oidc|ada' });
    expect(JSON.stringify(tokens)).not.toContain(idp.issuer.replace('http://', ''));
  });

  it('refreshes the expired upstream token on demand, once for two calls at the same time, without a new sign-in', async () => {
    const provider = new InMemoryOAuthProvider({ redirectUrl: 'http://127.0.0.1:47713/callback' });
    const client = await signInWithSdk(demo.mcpUrl, provider, 'ada');
    const tokenCalls = () => idp.requests.filter((r) => r === 'POST /token').length;
    const before = tokenCalls();
    // The upstream token (32 s) is now within the 30 s refresh margin: due for a refresh.
    await new Promise((resolve) => setTimeout(resolve, 2100));
    const [one, two] = await Promise.all([callJson(client, 'upstream_whoami'), callJson(client, 'upstream_whoami')]);
    expect(one).toMatchObject({ user: { sub: 'ada' } });
    expect(two).toMatchObject({ user: { sub: 'ada' } });
    expect(tokenCalls() - before).toBe(1);
    // The refreshed token is used as it is: no further refresh.
    await callJson(client, 'upstream_whoami');
    expect(tokenCalls() - before).toBe(1);
    expect(provider.authorizationUrls).toHaveLength(1);
    await client.close();
  });

  it('drops the upstream tokens when the grant ends', async () => {
    const provider = new InMemoryOAuthProvider({ redirectUrl: 'http://127.0.0.1:47714/callback' });
    const client = await signInWithSdk(demo.mcpUrl, provider, 'ada');
    await client.close();
    const gid = String(jwtPayload(provider.tokens()!.access_token).gid);
    const authInfo = { token: '', clientId: '', scopes: [], extra: { claims: { gid } } };
    expect(await demo.authority.upstreamTokenFor(authInfo)).toEqual(expect.any(String));
    const revoked = await fetch(`${demo.origin}/oauth/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: provider.tokens()!.refresh_token!, client_id: String(provider.clientInformation()!.client_id) }),
    });
    expect(revoked.status).toBe(200);
    // oidc-provider revokes the grant with its refresh token; the event drops the upstream tokens.
    await new Promise((resolve) => setTimeout(resolve, 50));
    await expect(demo.authority.upstreamTokenFor(authInfo)).rejects.toMatchObject({ code: 'ERR_UPSTREAM_NO_TOKEN' });
  });
});

describe('broker mode: who may sign in, and consent that cannot be replayed', () => {
  const state = tempStateDir();
  let idp: EnterpriseIdp;
  let demo: Awaited<ReturnType<typeof startBrokerDemo>>;
  let port: number;

  beforeAll(async () => {
    port = await freePort();
    idp = await startEnterpriseIdp({ redirectUri: callbackOn(port), users: USERS });
    demo = await startBrokerDemo(state.path, port, {
      issuer: idp.issuer, clientId: idp.clientId, clientSecret: idp.clientSecret, allowed: { domains: ['example.com'] },
    });
  });
  afterAll(async () => {
    await demo?.close();
    await idp?.close();
    state.remove();
  });

  /** A browser that got as far as Gatehouse's consent page: its cookies, the page's URL and form. */
  async function atConsent(redirectUri = APP_REDIRECT, browser = new ScriptedBrowser()) {
    const app = await registeredClient(demo.origin, redirectUri);
    let consent: { url: URL; html: string } | undefined;
    await headlessLogin(app.authorizationUrl(), {
      login: 'ada',
      cookies: browser.jar,
      onPage(url, html) {
        if (url.origin === demo.origin && html.includes('Allow access?')) {
          consent = { url, html };
          throw new Error('stop at the consent page');
        }
      },
    }).catch((err: unknown) => {
      if (!consent) throw err;
    });
    const form = parseForms(consent!.html).find((f) => f.action.endsWith('/confirm'))!;
    return { browser, url: consent!.url, html: consent!.html, form };
  }

  it('refuses a user of another domain with a page saying why, and the client gets access_denied', async () => {
    const browser = new ScriptedBrowser();
    const app = await registeredClient(demo.origin, APP_REDIRECT);
    let body = '';
    const refused = await headlessLogin(app.authorizationUrl(), {
      login: 'eve',
      cookies: browser.jar,
      async fetch(url, init) {
        const response = await fetch(url, init);
        if (response.status === 403) body = await response.clone().text();
        return response;
      },
    }).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(HeadlessLoginError);
    expect((refused as HeadlessLoginError).status).toBe(403);
    expect(body).toContain('You cannot use this server');
    expect(body).toContain('eve@other.example');
    expect(body).toContain('a verified address at example.com');
    const back = /<a class="button" href="([^"]+)">Back to the app/.exec(body)?.[1];
    const end = await browser.open(new URL(back!.replace(/&amp;/g, '&'), demo.origin), APP_REDIRECT);
    expect(end.url.searchParams.get('error')).toBe('access_denied');
    expect(end.url.searchParams.get('code')).toBeNull();
  });

  it('asks for consent again on a second authorization in the same browser, naming the redirect host (GHSA-6x8h-498w-gv8c)', async () => {
    const browser = new ScriptedBrowser();
    const first = await registeredClient(demo.origin, APP_REDIRECT);
    const callback = await headlessLogin(first.authorizationUrl(), { login: 'ada', cookies: browser.jar });
    expect(callback.searchParams.get('code')).toEqual(expect.any(String));
    // The same browser, with sessions at Gatehouse and at the upstream, now sent to an attacker's client.
    const attacker = 'https://attacker.example/cb';
    const pages: string[] = [];
    const end = await headlessLogin((await registeredClient(demo.origin, attacker)).authorizationUrl(), {
      login: 'ada', cookies: browser.jar, deny: true, redirectUri: attacker,
      onPage: (url, html) => void (url.origin === demo.origin && pages.push(html)),
    });
    expect(pages.some((html) => html.includes('Allow access?') && html.includes('attacker.example'))).toBe(true);
    expect(end.searchParams.get('error')).toBe('access_denied');
    expect(end.searchParams.get('code')).toBeNull();
    // And the first client, asking again, is asked again too: no silent approval from the earlier grant.
    const again: string[] = [];
    await headlessLogin(first.authorizationUrl(), { login: 'ada', cookies: browser.jar, onPage: (url, html) => void (url.origin === demo.origin && again.push(html)) });
    expect(again.some((html) => html.includes('Allow access?') && html.includes('127.0.0.1:47712'))).toBe(true);
  });

  it('refuses an upstream callback in another browser than the one that started the sign-in (CVE-2026-27124)', async () => {
    const attackerBrowser = new ScriptedBrowser();
    const app = await registeredClient(demo.origin, APP_REDIRECT);
    const started = await attackerBrowser.open(app.authorizationUrl(), idp.issuer);
    expect(started.url.origin).toBe(idp.issuer);
    // The victim is sent the upstream link and signs in there, in their own browser.
    const victim = new ScriptedBrowser();
    const callback = await headlessLogin(started.url, { login: 'ada', cookies: victim.jar, redirectUri: callbackOn(port) });
    const delivered = await victim.request(callback);
    expect(delivered.status).toBe(400);
    expect(await delivered.text()).toContain('started in another browser');
    // The sign-in is burnt: not even the browser that started it can finish it with that code.
    const replayed = await attackerBrowser.request(callback);
    expect(replayed.status).toBe(400);
    expect(replayed.headers.get('location')).toBeNull();
  });

  it('refuses a consent posted from another site (Sec-Fetch-Site, Origin), and takes it from the page itself', async () => {
    const { browser, url, form } = await atConsent();
    const fields = new URLSearchParams(form.fields.map((f) => [f.name, f.value]));
    const post = (headers: Record<string, string>) =>
      fetch(new URL(form.action, url), {
        method: 'POST', redirect: 'manual', body: fields,
        headers: { cookie: browser.jar.header(url), 'content-type': 'application/x-www-form-urlencoded', ...headers },
      });
    for (const headers of [{ 'sec-fetch-site': 'cross-site' } as Record<string, string>, { 'sec-fetch-site': 'same-site' }, { origin: 'https://attacker.example' }]) {
      const refused = await post(headers);
      expect(refused.status, JSON.stringify(headers)).toBe(403);
      expect(await refused.text()).toContain('sent from another website');
    }
    const accepted = await post({ 'sec-fetch-site': 'same-origin', origin: demo.origin });
    expect(accepted.status).toBe(303);
  });

  it('refuses a consent replayed after it was given: the interaction is over', async () => {
    const { browser, url, form } = await atConsent();
    const fields = new URLSearchParams(form.fields.map((f) => [f.name, f.value]));
    const post = () => fetch(new URL(form.action, url), {
      method: 'POST', redirect: 'manual', body: fields, headers: { cookie: browser.jar.header(url), 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect((await post()).status).toBe(303);
    const replay = await post();
    expect(replay.status).not.toBe(303);
    expect(await replay.text()).toContain('This sign-in has expired');
  });

  it('ends with access_denied at the client when the upstream says no', async () => {
    const browser = new ScriptedBrowser();
    const app = await registeredClient(demo.origin, APP_REDIRECT);
    const started = await browser.open(app.authorizationUrl(), idp.issuer);
    const upstreamState = started.url.searchParams.get('state')!;
    const denied = await browser.open(`${callbackOn(port)}?error=access_denied&state=${encodeURIComponent(upstreamState)}`, APP_REDIRECT);
    expect(denied.url.searchParams.get('error')).toBe('access_denied');
    expect(denied.url.searchParams.get('code')).toBeNull();
  });
});
