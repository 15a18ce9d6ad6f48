/**
 * The same notes server on Hono, with the Web-standard MCP transport.
 *
 *   OAUTH_ISSUER_URL=https://login.example.com/realms/main npx tsx examples/hono-server.ts
 *
 * `list_notes` for any signed-in caller; `add_note` needs `notes:write`.
 */
import { serve } from '@hono/node-server';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { Hono } from 'hono';
import { z } from 'zod';
import { gatehouseHono, type GatehouseEnv } from '../src/adapters/hono/index.js';
import { authInfoOf, createMcpHandler, subjectOf } from '../src/adapters/mcp/index.js';
import { configFromEnv, createGatehouse, mergeConfig } from '../src/index.js';

const port = Number(process.env.PORT ?? 3000);
const notes = new Map<string, string[]>();

function buildServer(): McpServer {
  const server = new McpServer({ name: 'notes', version: '1.0.0' });
  server.registerTool('list_notes', { description: 'Lists your notes.' }, async (extra) => {
    const user = subjectOf(authInfoOf(extra)) ?? authInfoOf(extra).clientId;
    const mine = notes.get(user) ?? [];
    return { content: [{ type: 'text', text: mine.length ? mine.map((n, i) => `${i + 1}. ${n}`).join('\n') : 'No notes yet.' }] };
  });
  server.registerTool(
    'add_note',
    { description: 'Adds a note. Needs the scope notes:write.', inputSchema: { text: z.string().min(1).max(1000) } },
    async ({ text }, extra) => {
      const user = subjectOf(authInfoOf(extra)) ?? authInfoOf(extra).clientId;
      notes.set(user, [...(notes.get(user) ?? []), text]);
      return { content: [{ type: 'text', text: `Saved note for ${user}.` }] };
    },
  );
  return server;
}

const gate = createGatehouse(
  mergeConfig(
    { publicUrl: `http://localhost:${port}`, resourceName: 'Notes', scopes: { tools: { add_note: ['notes:write'] } } },
    configFromEnv(process.env),
  ),
);
await gate.ready();

const mcp = createMcpHandler(buildServer);
const app = new Hono<GatehouseEnv>();
app.use(gatehouseHono(gate));
app.all(gate.config.path, (c) => mcp.fetch(c.req.raw, c.get('authInfo')));

const server = serve({ fetch: app.fetch, port }, () => {
  console.log(`Notes MCP server (Hono): ${gate.config.publicUrl}${gate.config.path} (tokens from ${gate.config.issuer})`);
});

function shutdown() {
  server.close();
  void mcp.close();
  gate.close();
}
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);
