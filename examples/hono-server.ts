/**
 * The same notes server (SDK v2) on Hono, with the Web-standard MCP transport:
 * `mcp.fetch(request, { authInfo })` hands the verified token to the SDK's
 * `createMcpHandler` as its `authInfo`.
 *
 *   OAUTH_ISSUER_URL=https://login.example.com/realms/main npx tsx examples/hono-server.ts
 *
 * Tools and gate: `notes-tools.ts` (`add_note` needs the scope `notes:write`).
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { gatehouseHono, type GatehouseEnv } from '../src/adapters/hono/index.js';
import { createMcpHandler } from '../src/adapters/mcp/index.js';
import { buildNotesServer, startNotesGate } from './notes-tools.js';

const port = Number(process.env.PORT ?? 3000);
const gate = await startNotesGate(port);

const mcp = createMcpHandler(buildNotesServer);
const app = new Hono<GatehouseEnv>();
app.use(gatehouseHono(gate));
app.all(gate.config.path, (c) => mcp.fetch(c.req.raw, { authInfo: c.get('authInfo') }));

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
