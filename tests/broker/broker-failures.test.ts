/**
 * Broker mode's failures, each one a user or operator can act on: the
 * upstream's metadata unreachable at start (fails fast), a wrong client
 * secret (a page and a log line that say so), the upstream gone during a
 * sign-in (a page naming it, not a hang), and one that accepts connections
 * and never answers (a bounded wait, then the same kind of page).
 */
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthority } from '../../src/authority/create-authority.js';
import { UpstreamError } from '../../src/errors.js';
import { startEnterpriseIdp, type EnterpriseIdp } from '../helpers/enterprise-idp.js';
import { headlessLogin, HeadlessLoginError } from '../helpers/headless-login.js';
import { ScriptedBrowser } from '../helpers/scripted-browser.js';
import { tempStateDir } from '../e2e/authority-harness.js';
import { callbackOn, freePort, registeredClient, startBrokerDemo } from './broker-harness.js';

const APP_REDIRECT = 'http://127.0.0.1:47721/callback';

it('refuses to start when the upstream metadata cannot be fetched, naming it', async () => {
  const state = tempStateDir();
  const closed = await freePort();
  try {
    const started = createAuthority({
      publicUrl: 'http://localhost:3999',
      authority: { stateDir: state.path, store: 'memory' },
      upstream: { provider: 'okta', issuer: `http://127.0.0.1:${closed}/oauth2/default`, clientId: 'gatehouse', clientSecret: 'secret-for-tests-only' },
    }, { warn: () => {} });
    await expect(started).rejects.toBeInstanceOf(UpstreamError);
    await expect(started).rejects.toThrow(new RegExp(`Cannot start broker mode: Okta \\(127.0.0.1:${closed}\\) could not be reached while fetching its metadata`));
  } finally {
    state.remove();
  }
});

describe('broker mode when the upstream refuses or goes away', () => {
  const states = [tempStateDir(), tempStateDir()];
  let idp: EnterpriseIdp;
  let good: Awaited<ReturnType<typeof startBrokerDemo>>;
  let wrongSecret: Awaited<ReturnType<typeof startBrokerDemo>>;
  let goodPort: number;

  beforeAll(async () => {
    goodPort = await freePort();
    const wrongPort = await freePort();
    idp = await startEnterpriseIdp({ redirectUri: [callbackOn(goodPort), callbackOn(wrongPort)] });
    const upstream = { issuer: idp.issuer, clientId: idp.clientId };
    good = await startBrokerDemo(states[0]!.path, goodPort, { ...upstream, clientSecret: idp.clientSecret });
    wrongSecret = await startBrokerDemo(states[1]!.path, wrongPort, { ...upstream, clientSecret: 'not-the-secret-registered-upstream' });
  });
  afterAll(async () => {
    await good?.close();
    await wrongSecret?.close();
    // The last test stops the upstream itself, to see the sign-in fail: closing it again is not an error here.
    await idp?.close().catch(() => {});
    for (const state of states) state.remove();
  });

  /** Runs a sign-in and returns the page it ended on (status and body). */
  async function failedSignIn(origin: string, options: { stopAtCallback?: number } = {}) {
    const app = await registeredClient(origin, APP_REDIRECT);
    const pages: { status: number; body: string }[] = [];
    const failure = await headlessLogin(app.authorizationUrl(), {
      login: 'ada',
      async fetch(url, init) {
        const response = await fetch(url, init);
        if (response.status >= 400) pages.push({ status: response.status, body: await response.clone().text() });
        return response;
      },
      ...(options.stopAtCallback ? { redirectUri: callbackOn(options.stopAtCallback) } : {}),
    }).catch((err: unknown) => err);
    return { failure, page: pages.at(-1) };
  }

  it('a wrong client secret: the user sees a page that says the server is misconfigured, the log says which setting', async () => {
    const { failure, page } = await failedSignIn(wrongSecret.origin);
    expect(failure).toBeInstanceOf(HeadlessLoginError);
    expect(page?.status).toBe(502);
    expect(page?.body).toContain(`Sign-in at your identity provider (${new URL(idp.issuer).host}) failed`);
    expect(page?.body).toContain('client credentials were refused');
    const log = wrongSecret.output.err.join('\n');
    expect(log).toContain('refused Gatehouse\'s client credentials while redeeming the sign-in code');
    expect(log).toContain('GATEHOUSE_UPSTREAM_CLIENT_SECRET');
    expect(log).not.toContain('not-the-secret-registered-upstream');
  });

  it('the upstream gone between its sign-in and the callback: a page naming it, at once', async () => {
    const browser = new ScriptedBrowser();
    const app = await registeredClient(good.origin, APP_REDIRECT);
    const callback = await headlessLogin(app.authorizationUrl(), { login: 'ada', cookies: browser.jar, redirectUri: callbackOn(goodPort) });
    await idp.close();
    const answer = await browser.request(callback);
    expect(answer.status).toBe(504);
    const body = await answer.text();
    expect(body).toContain(`Sign-in at your identity provider (${new URL(idp.issuer).host}) failed`);
    expect(body).toContain('could not be reached');
    expect(good.output.err.join('\n')).toMatch(/ERR_UPSTREAM_UNREACHABLE/);
  });
});

/** A loopback server that accepts connections and never answers, on `port` (0: a free one). */
async function startHangingServer(port = 0): Promise<{ port: number; connections: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createNetServer((socket) => {
    sockets.add(socket);
    state.connections += 1;
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const state = {
    port: (server.address() as AddressInfo).port,
    connections: 0,
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return state;
}

it('refuses to start, within the timeout, when the upstream accepts connections and never answers', async () => {
  const state = tempStateDir();
  const hanging = await startHangingServer();
  try {
    const started = createAuthority({
      publicUrl: 'http://localhost:3999',
      authority: { stateDir: state.path, store: 'memory' },
      upstream: { provider: 'keycloak', issuer: `http://127.0.0.1:${hanging.port}/realms/acme`, clientId: 'gatehouse', clientSecret: 'secret-for-tests-only', timeoutMs: 500 },
    }, { warn: () => {} });
    await expect(started).rejects.toThrow(new RegExp(`Cannot start broker mode: Keycloak \\(127.0.0.1:${hanging.port}\\) could not be reached while fetching its metadata .*no answer within 0.5 s`));
    expect(hanging.connections).toBeGreaterThan(0);
  } finally {
    await hanging.close();
    state.remove();
  }
});

describe('broker mode when the upstream hangs during a sign-in', () => {
  const state = tempStateDir();
  let idp: EnterpriseIdp;
  let demo: Awaited<ReturnType<typeof startBrokerDemo>>;
  let hanging: Awaited<ReturnType<typeof startHangingServer>> | undefined;
  let port: number;

  beforeAll(async () => {
    port = await freePort();
    idp = await startEnterpriseIdp({ redirectUri: callbackOn(port) });
    demo = await startBrokerDemo(state.path, port, { issuer: idp.issuer, clientId: idp.clientId, clientSecret: idp.clientSecret, timeoutMs: 1000 });
  });
  afterAll(async () => {
    await demo?.close();
    await hanging?.close();
    await idp?.close().catch(() => {});
    state.remove();
  });

  it('a token endpoint that never answers: after the configured wait, a page naming the upstream and the step that failed', async () => {
    const browser = new ScriptedBrowser();
    const app = await registeredClient(demo.origin, APP_REDIRECT);
    const callback = await headlessLogin(app.authorizationUrl(), { login: 'ada', cookies: browser.jar, redirectUri: callbackOn(port) });
    // The upstream's port now accepts connections and never answers.
    const upstreamPort = Number(new URL(idp.issuer).port);
    await idp.close();
    hanging = await startHangingServer(upstreamPort);
    const answer = await browser.request(callback);
    expect(answer.status).toBe(504);
    const body = await answer.text();
    expect(body).toContain(`Sign-in at your identity provider (127.0.0.1:${upstreamPort}) failed`);
    expect(body).toContain('did not answer within 1 s while redeeming the sign-in code');
    expect(hanging.connections).toBeGreaterThan(0);
    expect(demo.output.err.join('\n')).toMatch(/ERR_UPSTREAM_UNREACHABLE.*no answer within 1 s/);
  });
});
