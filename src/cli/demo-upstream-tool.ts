import type { McpServer } from '@modelcontextprotocol/server';
import { authInfoOf } from '../adapters/mcp/auth.js';
import type { Authority } from '../authority/create-authority.js';

/** The demo's tool in broker mode. */
export const UPSTREAM_TOOL = 'upstream_whoami';

/**
 * Broker mode's demo tool: calls the upstream's own user API (OIDC userinfo,
 * GitHub `/user`) with the signed-in user's upstream token, which the
 * authority keeps server-side and refreshes when it expired, and returns
 * who the upstream says the user is. The token itself is never returned.
 *
 * @example
 * ```ts
 * if (authority.upstream) addUpstreamTool(server, authority);
 * ```
 */
export function addUpstreamTool(server: McpServer, authority: Authority): McpServer {
  const upstream = authority.upstream;
  if (!upstream) return server;
  server.registerTool(
    UPSTREAM_TOOL,
    {
      title: 'Who the upstream says you are',
      description: `Asks the upstream identity provider, ${upstream.label}, who you are, with your upstream token (kept on the server, refreshed when it expired; never sent to this client).`,
      annotations: { readOnlyHint: true },
    },
    async function upstreamWhoami(extra) {
      const token = await authority.upstreamTokenFor(authInfoOf(extra));
      const user = await upstream.userInfo(token);
      return { content: [{ type: 'text' as const, text: JSON.stringify({ upstream: upstream.label, user }, null, 2) }] };
    },
  );
  return server;
}
