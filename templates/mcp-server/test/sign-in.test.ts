import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, StreamableHTTPClientTransport, UnauthorizedError } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../src/app.js';
import { headlessLogin } from './helpers/headless-login.js';
import { InMemoryOAuthClient } from './helpers/oauth-client.js';
import { CLIENT_MODES } from './modes.js';

/**
 * The whole way a real MCP client goes: 401 → discovery → registration →
 * sign-in → token → tool call, against this server started in process in
 * authority mode (Gatehouse signs users in), with its state in a temp dir.
 */
describe('signed-in MCP client', () => {
  let stateDir: string;
  let server: RunningServer;

  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'mcp-server-test-'));
    server = await startServer({ authority: { stateDir } }, { port: 0, host: '127.0.0.1' });
  });

  afterAll(async () => {
    await server?.close(1000);
    await rm(stateDir, { recursive: true, force: true });
  });

  async function signIn(login: string, mode: (typeof CLIENT_MODES)[number]['mode'] = { pin: '2026-07-28' }): Promise<Client> {
    const oauth = new InMemoryOAuthClient();
    const newClient = () => new Client({ name: 'test', version: '1.0.0' }, { versionNegotiation: { mode } });
    const first = new StreamableHTTPClientTransport(new URL(server.mcpUrl), { authProvider: oauth });
    // No token yet: the SDK discovers the authorization server, registers, and asks to open a browser.
    await expect(newClient().connect(first)).rejects.toThrow(UnauthorizedError);
    const callback = await headlessLogin(oauth.authorizationUrl!, { login });
    // The whole callback query: the SDK checks the authorization server's `iss` (RFC 9207) too.
    await first.finishAuth(callback.searchParams);
    const client = newClient();
    await client.connect(new StreamableHTTPClientTransport(new URL(server.mcpUrl), { authProvider: oauth }));
    return client;
  }

  function textOf(result: Awaited<ReturnType<Client['callTool']>>): string {
    const [first] = result.content as { type: string; text: string }[];
    return first?.text ?? '';
  }

  it('refuses a call without a token, pointing at its metadata', async () => {
    const response = await fetch(server.mcpUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer resource_metadata="http:\/\/127\.0\.0\.1:\d+\/\.well-known\/oauth-protected-resource\/mcp"/);
  });

  it.each(CLIENT_MODES)('signs in and calls the tools as that user, $name', async ({ mode, version }) => {
    const client = await signIn('alice', mode);
    expect(client.getNegotiatedProtocolVersion()).toBe(version);
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(['add_numbers', 'whoami']);
    expect(JSON.parse(textOf(await client.callTool({ name: 'whoami', arguments: {} })))).toMatchObject({ subject: 'alice' });
    expect(textOf(await client.callTool({ name: 'add_numbers', arguments: { a: 2, b: 3 } }))).toBe('5');
    await client.close();
  });

  it('tells two users apart', async () => {
    const bob = await signIn('bob');
    expect(JSON.parse(textOf(await bob.callTool({ name: 'whoami', arguments: {} })))).toMatchObject({ subject: 'bob' });
    await bob.close();
  });
});
