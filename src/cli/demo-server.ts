import { McpServer } from '@modelcontextprotocol/server';
import { authInfoOf, subjectOf } from '../adapters/mcp/auth.js';
import { version } from './version.js';

/** The demo's tool that needs an extra scope, and that scope unless configured otherwise. */
export const ADMIN_TOOL = 'admin_report';
export const DEFAULT_ADMIN_SCOPE = 'mcp:admin';

/** Options for {@link createDemoServer}. */
export interface DemoServerOptions {
  /** The scopes the gate demands for `admin_report` (shown in its description). */
  adminScopes?: string[];
}

function text(value: unknown) {
  return { content: [{ type: 'text' as const, text: JSON.stringify(value, null, 2) }] };
}

/**
 * The MCP server behind `gatehouse demo`, on the SDK v2 (so it speaks
 * 2026-07-28 and, through the SDK's fallback, 2025): `whoami` answers with the caller's
 * token as the gate saw it; `admin_report` is reachable only with an extra
 * scope, which the gate checks before this server sees the call.
 *
 * @example
 * ```ts
 * const mcp = createMcpHandler(() => createDemoServer({ adminScopes: ['mcp:admin'] }), { sdk: 'v2' });
 * ```
 */
export function createDemoServer(options: DemoServerOptions = {}): McpServer {
  const adminScopes = options.adminScopes ?? [DEFAULT_ADMIN_SCOPE];
  const server = new McpServer({ name: 'gatehouse-demo', version });

  server.registerTool(
    'whoami',
    {
      title: 'Who am I',
      description: "Returns the caller as the gate verified it: the token's subject, client id and scopes.",
      annotations: { readOnlyHint: true },
    },
    async function whoami(ctx) {
      const auth = authInfoOf(ctx);
      return text({
        subject: subjectOf(auth) ?? null,
        clientId: auth.clientId,
        scopes: auth.scopes,
        expiresAt: auth.expiresAt ? new Date(auth.expiresAt * 1000).toISOString() : null,
        resource: auth.resource?.href ?? null,
      });
    },
  );

  server.registerTool(
    ADMIN_TOOL,
    {
      title: 'Admin report',
      description: `A small server report. Needs the scope ${adminScopes.join(' ')}: without it the gate answers 403 insufficient_scope and the client can step up.`,
      annotations: { readOnlyHint: true },
    },
    async function adminReport(ctx) {
      const auth = authInfoOf(ctx);
      return text({
        requestedBy: subjectOf(auth) ?? auth.clientId,
        uptimeSeconds: Math.round(process.uptime()),
        memoryMiB: Math.round(process.memoryUsage().rss / 1024 / 1024),
        node: process.version,
      });
    },
  );

  return server;
}
