import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { startTestIssuer, type TestIssuer } from 'mcp-gatehouse/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../src/app.js';
import { CLIENT_MODES } from './modes.js';

/**
 * Resource-server mode: tokens come from an identity provider (here a small
 * real one from mcp-gatehouse/testing) and Gatehouse only verifies them.
 */
describe('with an identity provider (OAUTH_ISSUER_URL)', () => {
  let issuer: TestIssuer;
  let server: RunningServer;

  beforeAll(async () => {
    issuer = await startTestIssuer();
    server = await startServer({ issuer: issuer.issuer }, { port: 0, host: '127.0.0.1' });
  });

  afterAll(async () => {
    await server?.close(1000);
    await issuer?.close();
  });

  /** Connects with a token the client already has, and adds two numbers. */
  async function addWith(token: string, { mode, version }: (typeof CLIENT_MODES)[number] = CLIENT_MODES[0]): Promise<unknown> {
    const transport = new StreamableHTTPClientTransport(new URL(server.mcpUrl), { requestInit: { headers: { authorization: `Bearer ${token}` } } });
    const client = new Client({ name: 'test', version: '1.0.0' }, { versionNegotiation: { mode } });
    await client.connect(transport);
    try {
      expect(client.getNegotiatedProtocolVersion()).toBe(version);
      return (await client.callTool({ name: 'add_numbers', arguments: { a: 20, b: 22 } })).content;
    } finally {
      await client.close();
    }
  }

  it.each(CLIENT_MODES)('accepts a token issued for this server, $name', async (clientMode) => {
    expect(await addWith(await issuer.mint({ sub: 'alice', aud: server.mcpUrl }), clientMode)).toEqual([{ type: 'text', text: '42' }]);
  });

  it('refuses a token issued for another server', async () => {
    await expect(addWith(await issuer.mint({ sub: 'alice', aud: 'https://other.example.com/mcp' }))).rejects.toThrow(/HTTP 401/);
  });
});
