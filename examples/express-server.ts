/**
 * A small MCP server (SDK v2, MCP 2026-07-28 and the 2025 fallback) behind
 * Gatehouse, on Express 5.
 *
 *   OAUTH_ISSUER_URL=https://login.example.com/realms/main npx tsx examples/express-server.ts
 *
 * Tools and gate: `notes-tools.ts` (`add_note` needs the scope `notes:write`).
 * Every OAUTH_* / GATEHOUSE_* env var applies; PORT (default 3000) and
 * PUBLIC_URL (default http://localhost:PORT).
 */
import express from 'express';
import { mountMcp } from '../src/adapters/express/index.js';
import { buildNotesServer, startNotesGate } from './notes-tools.js';

const port = Number(process.env.PORT ?? 3000);
const gate = await startNotesGate(port);

const app = express();
const mcp = mountMcp(app, gate, buildNotesServer);
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
