import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startTestIssuer, type TestIssuer } from 'mcp-gatehouse/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../src/app.js';

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
  async function addWith(token: string): Promise<unknown> {
    const transport = new StreamableHTTPClientTransport(new URL(server.mcpUrl), { requestInit: { headers: { authorization: `Bearer ${token}` } } });
    const client = new Client({ name: 'test', version: '1.0.0' });
    await client.connect(transport);
    try {
      return (await client.callTool({ name: 'add_numbers', arguments: { a: 20, b: 22 } })).content;
    } finally {
      await client.close();
    }
  }

  it('accepts a token issued for this server', async () => {
    expect(await addWith(await issuer.mint({ sub: 'alice', aud: server.mcpUrl }))).toEqual([{ type: 'text', text: '42' }]);
  });

  it('refuses a token issued for another server', async () => {
    await expect(addWith(await issuer.mint({ sub: 'alice', aud: 'https://other.example.com/mcp' }))).rejects.toThrow(/invalid_token/);
  });
});
