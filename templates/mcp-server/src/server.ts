import { McpServer } from '@modelcontextprotocol/server';
import { authInfoOf, subjectOf } from 'mcp-gatehouse/mcp';
import { z } from 'zod';

/**
 * The MCP server (the official SDK v2): its tools. Gatehouse has checked the
 * caller's token before any of this runs; `authInfoOf(ctx)` says who is
 * calling (subject, client, scopes). A new server is built per request, and
 * the same one serves MCP 2026-07-28 clients and 2025 ones; keep state
 * elsewhere.
 */
export function buildServer(): McpServer {
  const server = new McpServer({ name: '{{name}}', version: '0.1.0' });

  server.registerTool(
    'whoami',
    {
      title: 'Who am I',
      description: 'Tells who is calling, as the verified access token says.',
      annotations: { readOnlyHint: true },
    },
    async function whoami(ctx) {
      const auth = authInfoOf(ctx);
      const caller = { subject: subjectOf(auth) ?? null, clientId: auth.clientId, scopes: auth.scopes };
      return { content: [{ type: 'text', text: JSON.stringify(caller) }] };
    },
  );

  server.registerTool(
    'add_numbers',
    {
      title: 'Add numbers',
      description: 'Adds two numbers.',
      inputSchema: z.object({ a: z.number(), b: z.number() }),
      annotations: { readOnlyHint: true },
    },
    async function addNumbers({ a, b }) {
      return { content: [{ type: 'text', text: String(a + b) }] };
    },
  );

  return server;
}
