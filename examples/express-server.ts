/**
 * A small MCP server behind Gatehouse, on Express 5.
 *
 *   OAUTH_ISSUER_URL=https://login.example.com/realms/main npx tsx examples/express-server.ts
 *
 * Tools: `list_notes` for any signed-in caller, `add_note` only with the
 * scope `notes:write` (the gate answers 403 insufficient_scope otherwise, so
 * the client can ask the user for more). Every OAUTH_* / GATEHOUSE_* env var
 * applies; PORT (default 3000) and PUBLIC_URL (default http://localhost:PORT).
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import express from 'express';
import { z } from 'zod';
import { mountMcp } from '../src/adapters/express/index.js';
import { authInfoOf, subjectOf } from '../src/adapters/mcp/index.js';
import { configFromEnv, createGatehouse, mergeConfig } from '../src/index.js';

const port = Number(process.env.PORT ?? 3000);

// Notes per caller, in memory: each user sees only their own.
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

const app = express();
const mcp = mountMcp(app, gate, buildServer);
const server = app.listen(port, () => {
  console.log(`Notes MCP server: ${gate.config.publicUrl}${gate.config.path} (tokens from ${gate.config.issuer})`);
});

function shutdown() {
  server.close();
  server.closeAllConnections();
  void mcp.close();
  gate.close();
}
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);
