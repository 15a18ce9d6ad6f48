/**
 * `gatehouse proxy -- <command>`: server-everything (the MCP project's
 * reference server) over stdio behind the gate, used by the official SDK
 * client after signing in at the proxy's authority.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CreateMessageRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { StdioBridge } from '../../src/proxy/stdio/stdio-bridge.js';
import { signInWithSdk } from '../e2e/authority-harness.js';
import { InMemoryOAuthProvider } from '../helpers/sdk-oauth-provider.js';
import { EVERYTHING, expectSessionCap, INITIALIZE, mcpPost, receiveSimulatedLogs, runLongOperation, signIn, startTestProxy, textOf, type SignedIn, type TestProxy } from './harness.js';

const EVERYTHING_STDIO = [process.execPath, EVERYTHING, 'stdio'];

function bridgeOf(proxy: TestProxy): StdioBridge {
  return proxy.backend as StdioBridge;
}

async function envOf(user: SignedIn): Promise<Record<string, string>> {
  return JSON.parse(textOf(await user.client.callTool({ name: 'get-env', arguments: {} }))) as Record<string, string>;
}

describe('one child per user', () => {
  let proxy: TestProxy;
  let alice: SignedIn;
  let bob: SignedIn;

  beforeAll(async () => {
    // A secret in Gatehouse's own process environment, which children must not inherit.
    process.env.GATEHOUSE_PROXY_TEST_SECRET = 'in-gatehouse-only';
    proxy = await startTestProxy(
      { command: EVERYTHING_STDIO, envSubject: 'MCP_USER', passEnv: ['TEST_PASSED_ON'] },
      { env: { PATH: process.env.PATH, TEST_PASSED_ON: 'yes', OAUTH_EXCHANGE_CLIENT_SECRET: 'gatehouse-secret', GATEHOUSE_DCR_INITIAL_ACCESS_TOKEN: 'also-secret' } },
    );
    alice = await signIn(proxy.mcpUrl, 'alice');
    bob = await signIn(proxy.mcpUrl, 'bob');
  });
  afterAll(async () => {
    delete process.env.GATEHOUSE_PROXY_TEST_SECRET;
    await alice?.client.close();
    await bob?.client.close();
    await proxy?.stop();
  });

  it('calls a plain tool', async () => {
    const result = await alice.client.callTool({ name: 'echo', arguments: { message: 'over stdio' } });
    expect(textOf(result)).toContain('over stdio');
  });

  it('gives alice and bob separate processes, each knowing its user and none of Gatehouse secrets', async () => {
    const [aliceEnv, bobEnv] = await Promise.all([envOf(alice), envOf(bob)]);
    expect(aliceEnv.MCP_USER).toBe('alice');
    expect(bobEnv.MCP_USER).toBe('bob');
    expect(aliceEnv.TEST_PASSED_ON).toBe('yes');
    expect(aliceEnv.OAUTH_EXCHANGE_CLIENT_SECRET).toBeUndefined();
    expect(aliceEnv.GATEHOUSE_DCR_INITIAL_ACCESS_TOKEN).toBeUndefined();
    expect(aliceEnv.GATEHOUSE_PROXY_TEST_SECRET).toBeUndefined();
    expect(Object.keys(aliceEnv).sort()).toEqual(expect.arrayContaining(['MCP_USER', 'PATH', 'TEST_PASSED_ON']));
    const children = bridgeOf(proxy).children();
    expect(children.map((c) => c.key).sort()).toEqual(['sub:alice', 'sub:bob']);
    const [first, second] = children;
    expect(first!.pid).toBeGreaterThan(0);
    expect(first!.pid).not.toBe(second!.pid);
  });

  it('relays progress notifications of a long-running tool on its SSE response', async () => {
    const { text, progress } = await runLongOperation(bob.client);
    expect(text).toContain('Long running operation completed');
    expect(progress).toEqual([1, 2, 3]);
  });

  it('relays notifications the server sends on its own (logging) to the GET stream', async () => {
    const { messages } = await receiveSimulatedLogs(bob.client);
    expect(String(messages[0]!.data)).toMatch(/message/i);
  });

  it("shares a user's child between their sessions, with ids kept apart", async () => {
    const second = new Client({ name: 'second-client', version: '1.0.0' });
    await second.connect(new StreamableHTTPClientTransport(new URL(proxy.mcpUrl), { authProvider: alice.provider }));
    const [fromFirst, fromSecond] = await Promise.all([
      alice.client.callTool({ name: 'get-sum', arguments: { a: 1, b: 2 } }),
      second.callTool({ name: 'get-sum', arguments: { a: 20, b: 22 } }),
    ]);
    expect(textOf(fromFirst)).toContain('3');
    expect(textOf(fromSecond)).toContain('42');
    const aliceChild = bridgeOf(proxy).children().find((c) => c.key === 'sub:alice')!;
    expect(aliceChild.sessions).toBe(2);
    await second.close();
  });

  it("answers 404 to bob's token with alice's session id", async () => {
    const res = await fetch(proxy.mcpUrl, mcpPost(alice.token, INITIALIZE));
    const aliceSession = res.headers.get('mcp-session-id')!;
    await res.body?.cancel();
    const list = { jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} };
    const asBob = await fetch(proxy.mcpUrl, mcpPost(bob.token, list, { 'mcp-session-id': aliceSession, 'mcp-protocol-version': '2025-06-18' }));
    expect(asBob.status).toBe(404);
    expect(await asBob.json()).toMatchObject({ error: { code: -32001, message: 'Session not found' } });
  });

  it('relays a request the server sends to a client that supports it (sampling)', async () => {
    const carol = await signIn(proxy.mcpUrl, 'carol', { sampling: {} });
    carol.client.setRequestHandler(CreateMessageRequestSchema, async (request) => ({
      model: 'test-model',
      role: 'assistant',
      content: { type: 'text', text: `sampled: ${(request.params.messages[0]!.content as { text: string }).text}` },
    }));
    const result = await carol.client.callTool({ name: 'trigger-sampling-request', arguments: { prompt: 'hello' } });
    expect(textOf(result)).toContain('sampled: Resource trigger-sampling-request context: hello');
    await carol.client.close();
  });

  it('restarts a child that exits, ending its sessions with a clear error', async () => {
    const dave = await signIn(proxy.mcpUrl, 'dave');
    const before = bridgeOf(proxy).children().find((c) => c.key === 'sub:dave')!;
    const call = dave.client.callTool({ name: 'trigger-long-running-operation', arguments: { duration: 30, steps: 30 } });
    await vi.waitFor(() => expect(bridgeOf(proxy).children().find((c) => c.key === 'sub:dave')!.pending).toBe(1));
    process.kill(before.pid!, 'SIGKILL');
    await expect(call).rejects.toThrow('upstream process exited (signal SIGKILL); restarted, please reinitialize');

    // The session is over: its id is unknown now, so the client must initialize again.
    const list = { jsonrpc: '2.0', id: 9, method: 'tools/list', params: {} };
    const sessionId = (dave.client.transport as StreamableHTTPClientTransport).sessionId!;
    const stale = await fetch(proxy.mcpUrl, mcpPost(dave.token, list, { 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-06-18' }));
    expect(stale.status).toBe(404);
    await dave.client.close();

    const again = new Client({ name: 'reconnected', version: '1.0.0' });
    await again.connect(new StreamableHTTPClientTransport(new URL(proxy.mcpUrl), { authProvider: dave.provider }));
    expect(textOf(await again.callTool({ name: 'echo', arguments: { message: 'back' } }))).toContain('back');
    const after = bridgeOf(proxy).children().find((c) => c.key === 'sub:dave')!;
    expect(after.restarts).toBe(1);
    expect(after.pid).not.toBe(before.pid);
    expect(proxy.logs.some((line) => /child c\d+ for subject "dave" exited \(signal SIGKILL\); restarting in 1 s/.test(line))).toBe(true);
    await again.close();
  });

  it('forgets, and cancels at the child, the requests of a session the client ends', async () => {
    const frank = await signIn(proxy.mcpUrl, 'frank');
    const call = frank.client.callTool({ name: 'trigger-long-running-operation', arguments: { duration: 30, steps: 30 } }).catch((err: unknown) => err);
    const franks = () => bridgeOf(proxy).children().find((c) => c.key === 'sub:frank')!;
    await vi.waitFor(() => expect(franks().pending).toBe(1));
    await (frank.client.transport as StreamableHTTPClientTransport).terminateSession();
    await vi.waitFor(() => expect(franks()).toMatchObject({ pending: 0, sessions: 0, running: true }));
    await frank.client.close();
    await call;
  });

  it("logs each child's stderr prefixed with its id", () => {
    expect(proxy.logs.some((line) => /^\[child c\d+\] Starting default \(STDIO\) server/.test(line))).toBe(true);
  });
});

describe('--shared', () => {
  let proxy: TestProxy;

  beforeAll(async () => {
    proxy = await startTestProxy({ command: EVERYTHING_STDIO, shared: true }, { env: { PATH: process.env.PATH } });
  });
  afterAll(() => proxy?.stop());

  it('serves every user from one child', async () => {
    const alice = await signIn(proxy.mcpUrl, 'alice');
    const bob = await signIn(proxy.mcpUrl, 'bob');
    expect(textOf(await alice.client.callTool({ name: 'echo', arguments: { message: 'a' } }))).toContain('a');
    expect(textOf(await bob.client.callTool({ name: 'echo', arguments: { message: 'b' } }))).toContain('b');
    const children = bridgeOf(proxy).children();
    expect(children).toHaveLength(1);
    expect(children[0]).toMatchObject({ key: 'shared', running: true, sessions: 2 });
    await alice.client.close();
    await bob.client.close();
  });
});

describe('--max-children', () => {
  let proxy: TestProxy;

  beforeAll(async () => {
    proxy = await startTestProxy({ command: EVERYTHING_STDIO, maxChildren: 1 }, { env: { PATH: process.env.PATH } });
  });
  afterAll(() => proxy?.stop());

  it("refuses a new user's process while every one serves a session, and reuses the place of one that serves none", async () => {
    const alice = await signIn(proxy.mcpUrl, 'alice');
    const provider = new InMemoryOAuthProvider();
    await expect(signInWithSdk(proxy.mcpUrl, provider, 'bob')).rejects.toThrow('Too many MCP server processes are running (1); try again later');
    const refused = await fetch(proxy.mcpUrl, mcpPost(provider.tokens()!.access_token, INITIALIZE));
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('30');

    await (alice.client.transport as StreamableHTTPClientTransport).terminateSession();
    await alice.client.close();
    const bob = new Client({ name: 'bob', version: '1.0.0' });
    await bob.connect(new StreamableHTTPClientTransport(new URL(proxy.mcpUrl), { authProvider: provider }));
    expect(bridgeOf(proxy).children().map((c) => c.key)).toEqual(['sub:bob']);
    await bob.close();
  });
});

describe('--max-sessions-per-user', () => {
  let proxy: TestProxy;
  let alice: SignedIn;
  let bob: SignedIn;

  beforeAll(async () => {
    proxy = await startTestProxy({ command: EVERYTHING_STDIO, maxSessionsPerUser: 2 }, { env: { PATH: process.env.PATH } });
    alice = await signIn(proxy.mcpUrl, 'alice');
    bob = await signIn(proxy.mcpUrl, 'bob');
  });
  afterAll(async () => {
    await alice?.client.close();
    await bob?.client.close();
    await proxy?.stop();
  });

  it("refuses a user's initialize beyond the cap with 429; other users and freed places unaffected", async () => {
    // Each signed-in SDK client holds one session already.
    await expectSessionCap({ mcpUrl: proxy.mcpUrl, cap: 2, alice: { token: alice.token, held: 1 }, bob: bob.token });
    expect(bridgeOf(proxy).sessionCount).toBe(4);
  });
});

describe('idle children', () => {
  let proxy: TestProxy;

  beforeAll(async () => {
    proxy = await startTestProxy({ command: EVERYTHING_STDIO, idleTimeoutSec: 0.5 }, { env: { PATH: process.env.PATH } });
  });
  afterAll(() => proxy?.stop());

  it('are stopped after the idle timeout, and their sessions end', async () => {
    const alice = await signIn(proxy.mcpUrl, 'alice');
    await alice.client.callTool({ name: 'echo', arguments: { message: 'x' } });
    // From the start line, not children(): on a loaded machine the child may be reaped (0.5 s idle) before this line runs.
    const started = proxy.logs.map((line) => /child c1 started \(pid (\d+)\)/.exec(line)).find(Boolean);
    expect(started).toBeTruthy();
    const pid = Number(started![1]);
    const sessionId = (alice.client.transport as StreamableHTTPClientTransport).sessionId!;
    await vi.waitFor(() => expect(bridgeOf(proxy).children()).toEqual([]), { timeout: 10_000, interval: 100 });
    expect(proxy.logs.some((line) => /child c1 \(sub:alice\) idle for \d+ s: stopped/.test(line))).toBe(true);
    await vi.waitFor(() => expect(() => process.kill(pid, 0)).toThrow(), { timeout: 10_000, interval: 100 });
    const list = { jsonrpc: '2.0', id: 3, method: 'tools/list', params: {} };
    const res = await fetch(proxy.mcpUrl, mcpPost(alice.token, list, { 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-06-18' }));
    expect(res.status).toBe(404);
    await alice.client.close();
  });
});

describe('a command that cannot start', () => {
  let proxy: TestProxy;

  beforeAll(async () => {
    proxy = await startTestProxy({ command: ['gatehouse-no-such-command'] }, { env: { PATH: process.env.PATH } });
  });
  afterAll(() => proxy?.stop());

  it('is reported by /readyz', async () => {
    const res = await fetch(`${proxy.publicUrl}/readyz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ status: 'not ready', detail: 'command "gatehouse-no-such-command" not found or not executable' });
  });

  it("answers the client's initialize with a JSON-RPC error saying why", async () => {
    await expect(signInWithSdk(proxy.mcpUrl, new InMemoryOAuthProvider(), 'alice')).rejects.toThrow(
      /upstream process could not start: spawn gatehouse-no-such-command ENOENT/,
    );
  });
});
