import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Client as ClientV2, StreamableHTTPClientTransport as TransportV2 } from '@modelcontextprotocol/client';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestIssuer, type TestIssuer } from '../../src/testing/index.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** A free port: bound, then released for the example to take. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function startExample(file: string, env: Record<string, string>): Promise<{ child: ChildProcess; exited: Promise<number | null> }> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(OAUTH_|GATEHOUSE_|PORT$|HOST$|PUBLIC_URL$)/.test(k)));
  const child = spawn(process.execPath, ['--import', 'tsx', file], { cwd: root, env: { ...clean, ...env } });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let out = '';
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('Notes MCP server')) resolve({ child, exited });
    });
    let err = '';
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    void exited.then((code) => reject(new Error(`${file} exited with ${code}: ${err}`)));
  });
}

describe.each(['examples/express-server.ts', 'examples/hono-server.ts'])('%s', (file) => {
  let issuer: TestIssuer;
  let example: { child: ChildProcess; exited: Promise<number | null> };
  let mcpUrl: string;

  beforeAll(async () => {
    const port = await freePort();
    mcpUrl = `http://localhost:${port}/mcp`;
    issuer = await startTestIssuer({ audience: mcpUrl });
    example = await startExample(file, { PORT: String(port), OAUTH_ISSUER_URL: issuer.issuer });
  });
  afterAll(async () => {
    if (example?.child.exitCode === null) {
      example.child.kill('SIGKILL');
      await example.exited;
    }
    await issuer.close();
  });

  async function client(scope: string): Promise<Client> {
    const token = await issuer.mint({ sub: 'heidi', scope });
    const url = new URL(mcpUrl.replace('localhost', '127.0.0.1'));
    const transport = new StreamableHTTPClientTransport(url, { requestInit: { headers: { Authorization: `Bearer ${token}` } } });
    const c = new Client({ name: 'examples-test', version: '1.0.0' });
    await c.connect(transport);
    return c;
  }

  it('adds a note with notes:write and lists it back', async () => {
    const c = await client('mcp notes:write');
    await c.callTool({ name: 'add_note', arguments: { text: 'buy milk' } });
    const result = await c.callTool({ name: 'list_notes', arguments: {} });
    expect(result.content).toEqual([{ type: 'text', text: '1. buy milk' }]);
    await c.close();
  });

  it.each([['pinned to 2026-07-28', { pin: '2026-07-28' }], ['auto', 'auto']] as const)('serves the SDK v2 client (%s) on 2026-07-28: add_note, then list_notes', async (_name, mode) => {
    const token = await issuer.mint({ sub: `ivan-${typeof mode === 'string' ? mode : 'pin'}`, scope: 'mcp notes:write' });
    const c = new ClientV2({ name: 'examples-test-v2', version: '1.0.0' }, { versionNegotiation: { mode } });
    await c.connect(new TransportV2(new URL(mcpUrl.replace('localhost', '127.0.0.1')), { authProvider: { token: async () => token } }));
    try {
      expect(c.getNegotiatedProtocolVersion()).toBe('2026-07-28');
      await c.callTool({ name: 'add_note', arguments: { text: 'modern' } });
      expect((await c.callTool({ name: 'list_notes', arguments: {} })).content).toEqual([{ type: 'text', text: '1. modern' }]);
    } finally {
      await c.close();
    }
  });

  it('refuses add_note without notes:write, while list_notes still works', async () => {
    const c = await client('mcp');
    await expect(c.callTool({ name: 'add_note', arguments: { text: 'nope' } })).rejects.toThrow(/403|scope/i);
    const result = await c.callTool({ name: 'list_notes', arguments: {} });
    expect(result.isError).toBeFalsy();
    await c.close();
  });

  it('stops on SIGTERM', async () => {
    example.child.kill('SIGTERM');
    expect(await example.exited).toBe(0);
  });
});
