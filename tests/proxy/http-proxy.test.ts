/**
 * `gatehouse proxy --upstream`: the official SDK client signs in at the
 * proxy's authority and uses two real upstreams through it:
 * server-everything (the MCP project's reference server, in its own
 * process, Streamable HTTP) and an SDK-built server that records what
 * reaches it.
 */
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ASSERTION_TYPE } from '../../src/proxy/http/assertion.js';
import { ASSERTION_JWKS_PATH } from '../../src/proxy/front.js';
import { signInWithSdk } from '../e2e/authority-harness.js';
import { InMemoryOAuthProvider } from '../helpers/sdk-oauth-provider.js';
import { expectSessionCap, freePort, INITIALIZE, mcpPost, receiveSimulatedLogs, runLongOperation, signIn, startEverythingHttp, startTestProxy, textOf, type EverythingHttp, type SignedIn, type TestProxy } from './harness.js';
import { itReadsTheBodyOnlyAfterTheToken } from '../helpers/adapter-kit.js';
import { BIG_ANSWER_BYTES, startRecordingUpstream, UPSTREAM_COOKIES, type RecordingUpstream } from './recording-upstream.js';

describe('--max-sessions-per-user with an upstream that hands out sessions', () => {
  let everything: EverythingHttp;
  let proxy: TestProxy;
  let alice: SignedIn;
  let bob: SignedIn;

  beforeAll(async () => {
    everything = await startEverythingHttp();
    proxy = await startTestProxy({ upstream: everything.url, maxSessionsPerUser: 2 });
    alice = await signIn(proxy.mcpUrl, 'alice');
    bob = await signIn(proxy.mcpUrl, 'bob');
  });
  afterAll(async () => {
    await alice?.client.close();
    await bob?.client.close();
    await proxy?.stop();
    await everything?.stop();
  });

  it('refuses an initialize beyond the cap with 429 before the upstream sees it; other users and freed places unaffected', async () => {
    // Each signed-in SDK client holds one session already.
    await expectSessionCap({ mcpUrl: proxy.mcpUrl, cap: 2, alice: { token: alice.token, held: 1 }, bob: bob.token });
  });
});

describe('proxy to server-everything over Streamable HTTP', () => {
  let everything: EverythingHttp;
  let proxy: TestProxy;
  let alice: SignedIn;

  beforeAll(async () => {
    everything = await startEverythingHttp();
    proxy = await startTestProxy({ upstream: everything.url });
    alice = await signIn(proxy.mcpUrl, 'alice');
  });
  afterAll(async () => {
    await alice?.client.close();
    await proxy?.stop();
    await everything?.stop();
  });

  // The authority's gate in front of the proxy: the same order as the adapters'.
  itReadsTheBodyOnlyAfterTheToken({ url: () => proxy.mcpUrl, mint: async () => alice.token, maxBodyBytes: 4 * 1024 * 1024 });

  it('calls a plain tool through the gate', async () => {
    const tools = await alice.client.listTools();
    expect(tools.tools.map((t) => t.name)).toContain('echo');
    const result = await alice.client.callTool({ name: 'echo', arguments: { message: 'through the gate' } });
    expect(textOf(result)).toContain('through the gate');
  });

  it('streams progress notifications of a long-running tool (an SSE response) as they come', async () => {
    const { text, progress } = await runLongOperation(alice.client);
    expect(text).toContain('Long running operation completed');
    expect(progress).toEqual([1, 2, 3]);
  });

  it('delivers notifications the server sends on its own (logging, on the GET stream)', async () => {
    const { toggled, messages } = await receiveSimulatedLogs(alice.client);
    expect(toggled).toContain('Started simulated');
    expect(String(messages[0]!.data)).toMatch(/message/i);
  });

  it('keeps the session id, protocol version and event-stream content type of the upstream', async () => {
    const res = await fetch(proxy.mcpUrl, mcpPost(alice.token, INITIALIZE));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const sessionId = res.headers.get('mcp-session-id');
    expect(sessionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(await res.text()).toContain('"serverInfo"');
    const deleted = await fetch(proxy.mcpUrl, { method: 'DELETE', headers: { authorization: `Bearer ${alice.token}`, 'mcp-session-id': sessionId!, 'mcp-protocol-version': '2025-06-18' } });
    expect(deleted.status).toBe(200);
  });

  it("answers 404 to another user's token with a session id it did not get", async () => {
    const bob = await signIn(proxy.mcpUrl, 'bob');
    const res = await fetch(proxy.mcpUrl, mcpPost(alice.token, INITIALIZE));
    const aliceSession = res.headers.get('mcp-session-id')!;
    await res.body?.cancel();
    const list = { jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} };
    const asBob = await fetch(proxy.mcpUrl, mcpPost(bob.token, list, { 'mcp-session-id': aliceSession, 'mcp-protocol-version': '2025-06-18' }));
    expect(asBob.status).toBe(404);
    expect(await asBob.json()).toMatchObject({ jsonrpc: '2.0', error: { code: -32001, message: 'Session not found' }, id: null });
    await bob.client.close();
  });

  it('answers /readyz with the upstream reachable', async () => {
    const res = await fetch(`${proxy.publicUrl}/readyz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ready' });
  });
});

describe('what the upstream sees', () => {
  let upstream: RecordingUpstream;
  let proxy: TestProxy;
  let alice: SignedIn;

  beforeAll(async () => {
    upstream = await startRecordingUpstream();
    proxy = await startTestProxy({ upstream: upstream.url, upstreamTimeoutSec: 1 });
    alice = await signIn(proxy.mcpUrl, 'alice');
  });
  afterAll(async () => {
    await alice?.client.close();
    await proxy?.stop();
    await upstream?.close();
  });

  it("never the client's token: a signed assertion instead, verifiable with Gatehouse's published keys", async () => {
    const seen = JSON.parse(textOf(await alice.client.callTool({ name: 'seen-headers', arguments: {} }))) as Record<string, string>;
    expect(seen.authorization).toBeUndefined();
    for (const { headers } of upstream.requests) expect(headers.authorization).toBeUndefined();

    const assertion = seen['x-gatehouse-assertion']!;
    expect(decodeProtectedHeader(assertion).typ).toBe(ASSERTION_TYPE);
    const origin = proxy.publicUrl;
    const { payload } = await jwtVerify(assertion, createRemoteJWKSet(new URL(`${origin}${ASSERTION_JWKS_PATH}`)), {
      issuer: proxy.front.config.issuer,
      audience: upstream.url,
      typ: ASSERTION_TYPE,
    });
    expect(payload).toMatchObject({ sub: 'alice', scope: expect.stringContaining('mcp:tools') as string, client_id: expect.any(String) as string });
    expect(payload.exp! - payload.iat!).toBe(60);

    // In authority mode these are the authority's own keys: its jwks_uri verifies the assertion too.
    const metadata = (await (await fetch(`${origin}/.well-known/oauth-authorization-server`)).json()) as { jwks_uri: string };
    await expect(jwtVerify(assertion, createRemoteJWKSet(new URL(metadata.jwks_uri)), { audience: upstream.url })).resolves.toBeTruthy();
  });

  it('the plain identity headers of a loopback upstream, never ones the client sent', async () => {
    const res = await fetch(proxy.mcpUrl, mcpPost(alice.token, INITIALIZE, {
      'x-gatehouse-subject': 'mallory',
      'x-gatehouse-scopes': 'admin',
      'x-gatehouse-assertion': 'forged',
      cookie: 'gatehouse.session=abc; theme=dark',
    }));
    expect(res.status).toBe(200);
    await res.body?.cancel();
    const { headers } = upstream.requests.at(-1)!;
    expect(headers['x-gatehouse-subject']).toBe('alice');
    expect(headers['x-gatehouse-scopes']).toContain('mcp:tools');
    expect(headers['x-gatehouse-scopes']).not.toContain('admin');
    expect(headers['x-gatehouse-client-id']).toBe(alice.provider.clientInformation()!.client_id);
    expect(headers['x-gatehouse-assertion']).not.toBe('forged');
    expect(headers.cookie).toBe('theme=dark');
    expect(headers.authorization).toBeUndefined();
  });

  it("lets no upstream Set-Cookie through that is named like the authority's cookies", async () => {
    upstream.behavior = 'sets-cookies';
    try {
      const res = await fetch(proxy.mcpUrl, mcpPost(alice.token, INITIALIZE));
      expect(res.status).toBe(200);
      await res.body?.cancel();
      expect(res.headers.getSetCookie()).toEqual([UPSTREAM_COOKIES[2]]);
      expect(res.headers.get('constructor')).toBe('kept');
      expect(res.headers.get('x-twice')).toBe('a, b');
    } finally {
      upstream.behavior = 'mcp';
    }
  });

  it('passes on the request id Gatehouse logged, never a client-chosen one it refused', async () => {
    const tooLong = 'a'.repeat(200);
    const refused = await fetch(proxy.mcpUrl, mcpPost(alice.token, INITIALIZE, { 'x-request-id': tooLong }));
    await refused.body?.cancel();
    const logged = refused.headers.get('x-request-id');
    expect(logged).toMatch(/^[0-9a-f-]{36}$/);
    expect(upstream.requests.at(-1)!.headers['x-request-id']).toBe(logged);

    const kept = await fetch(proxy.mcpUrl, mcpPost(alice.token, INITIALIZE, { 'x-request-id': 'trace-42.a' }));
    await kept.body?.cancel();
    expect([kept.headers.get('x-request-id'), upstream.requests.at(-1)!.headers['x-request-id']]).toEqual(['trace-42.a', 'trace-42.a']);
  });

  it('answers an upstream 401 with 502, naming the misconfiguration, and without its challenge', async () => {
    upstream.behavior = 'unauthorized';
    try {
      const res = await fetch(proxy.mcpUrl, mcpPost(alice.token, INITIALIZE));
      expect(res.status).toBe(502);
      expect(res.headers.get('www-authenticate')).toBeNull();
      const body = (await res.json()) as { error: { code: number; message: string } };
      expect(body).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32000 } });
      expect(body.error.message).toMatch(/401.*configuration error/s);
    } finally {
      upstream.behavior = 'mcp';
    }
  });

  it('answers 504 with a JSON-RPC error when the upstream sends no response in time', async () => {
    upstream.behavior = 'no-answer';
    try {
      const res = await fetch(proxy.mcpUrl, mcpPost(alice.token, INITIALIZE));
      expect(res.status).toBe(504);
      expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/^Upstream MCP server timed out/);
    } finally {
      upstream.behavior = 'mcp';
    }
  });

  it('relays a large answer to a client that reads slowly, waiting for it instead of buffering or stalling', async () => {
    upstream.behavior = 'big-answer';
    try {
      const res = await fetch(proxy.mcpUrl, mcpPost(alice.token, INITIALIZE));
      expect(res.status).toBe(200);
      // Not reading for a while: the proxy's writes to this client back up, and the upstream's body must wait.
      await new Promise((resolve) => setTimeout(resolve, 300));
      const reader = res.body!.getReader();
      let bytes = 0;
      let allX = true;
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
        bytes += chunk.value.length;
        allX &&= chunk.value.every((byte) => byte === 0x78);
      }
      expect([bytes, allX]).toEqual([BIG_ANSWER_BYTES, true]);
    } finally {
      upstream.behavior = 'mcp';
    }
  });

  it('aborts the upstream request when the client goes away mid-stream', async () => {
    upstream.behavior = 'endless-stream';
    try {
      const controller = new AbortController();
      const res = await fetch(proxy.mcpUrl, { ...mcpPost(alice.token, INITIALIZE), signal: controller.signal });
      expect(res.status).toBe(200);
      const reader = res.body!.getReader();
      const first = await reader.read();
      expect(new TextDecoder().decode(first.value)).toContain('"first"');
      controller.abort();
      await vi.waitFor(() => expect(upstream.closedStreams).toBe(1), { timeout: 5000, interval: 20 });
    } finally {
      upstream.behavior = 'mcp';
    }
  });
});

describe('an upstream that is down', () => {
  let proxy: TestProxy;

  beforeAll(async () => {
    proxy = await startTestProxy({ upstream: `http://127.0.0.1:${await freePort()}/mcp` });
  });
  afterAll(() => proxy?.stop());

  it('answers 502 with a JSON-RPC error at once, not a hang', async () => {
    // Signing in works (the gate is up); the SDK's initialize then fails with the proxy's answer.
    const provider = new InMemoryOAuthProvider();
    await expect(signInWithSdk(proxy.mcpUrl, provider, 'alice')).rejects.toThrow(/Upstream MCP server unreachable/);
    const res = await fetch(proxy.mcpUrl, mcpPost(provider.tokens()!.access_token, INITIALIZE));
    expect(res.status).toBe(502);
    const body = (await res.json()) as { jsonrpc: string; id: null; error: { code: number; message: string } };
    expect(body).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32000 } });
    expect(body.error.message).toMatch(/^Upstream MCP server unreachable: .*ECONNREFUSED/);
  });

  it('is not ready, while still alive', async () => {
    const res = await fetch(`${proxy.publicUrl}/readyz`);
    expect(res.status).toBe(503);
    expect(((await res.json()) as { detail: string }).detail).toContain('ECONNREFUSED');
    expect((await fetch(`${proxy.publicUrl}/healthz`)).status).toBe(200);
  });
});
