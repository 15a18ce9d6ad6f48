/**
 * The notes MCP server and its gate, shared by both examples: only the
 * framework wiring differs between `express-server.ts` and `hono-server.ts`.
 *
 * Tools: `list_notes` for any signed-in caller, `add_note` only with the
 * scope `notes:write` (the gate answers 403 insufficient_scope otherwise, so
 * the client can ask the user for more).
 *
 * Built on the MCP TypeScript SDK v2 (`@modelcontextprotocol/server`):
 * `createMcpHandler` serves it to 2026-07-28 clients (`server/discover`, no
 * sessions) and to 2025 ones (the SDK's stateless fallback). Tool handlers
 * get the request context `ctx`; `authInfoOf(ctx)` is the verified token
 * (`ctx.http.authInfo`). An SDK v1 server (legacy, `@modelcontextprotocol/sdk`)
 * works unchanged: the same factory with `McpServer` from
 * `@modelcontextprotocol/sdk/server/mcp.js`, `inputSchema: { text: z.string() }`,
 * and `authInfoOf(extra)`.
 */
import { McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { authInfoOf, subjectOf } from '../src/adapters/mcp/index.js';
import { configFromEnv, createGatehouse, mergeConfig, type Gatehouse } from '../src/index.js';

// Notes per caller, in memory: each user sees only their own.
const notes = new Map<string, string[]>();

function callerOf(ctx: Parameters<typeof authInfoOf>[0]): string {
  const auth = authInfoOf(ctx);
  return subjectOf(auth) ?? auth.clientId;
}

/**
 * A fresh `McpServer` with the notes tools (one per request or session, as the SDK's transports want).
 *
 * @example
 * ```ts
 * const mcp = createMcpHandler(buildNotesServer);
 * ```
 */
export function buildNotesServer(): McpServer {
  const server = new McpServer({ name: 'notes', version: '1.0.0' });

  server.registerTool('list_notes', { description: 'Lists your notes.' }, async function listNotes(ctx) {
    const mine = notes.get(callerOf(ctx)) ?? [];
    return { content: [{ type: 'text', text: mine.length ? mine.map((n, i) => `${i + 1}. ${n}`).join('\n') : 'No notes yet.' }] };
  });

  server.registerTool(
    'add_note',
    { description: 'Adds a note. Needs the scope notes:write.', inputSchema: z.object({ text: z.string().min(1).max(1000) }) },
    async function addNote({ text }, ctx) {
      const user = callerOf(ctx);
      notes.set(user, [...(notes.get(user) ?? []), text]);
      return { content: [{ type: 'text', text: `Saved note for ${user}.` }] };
    },
  );

  return server;
}

/**
 * The gate in front of the notes server: `add_note` needs `notes:write`;
 * every OAUTH_* / GATEHOUSE_* env var applies on top.
 *
 * @example
 * ```ts
 * const gate = await startNotesGate(3000);
 * ```
 */
export async function startNotesGate(port: number): Promise<Gatehouse> {
  const gate = createGatehouse(
    mergeConfig(
      { publicUrl: `http://localhost:${port}`, resourceName: 'Notes', scopes: { tools: { add_note: ['notes:write'] } } },
      configFromEnv(process.env),
    ),
  );
  await gate.ready();
  return gate;
}
