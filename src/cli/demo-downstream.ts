import type { ServerResponse } from 'node:http';
import type { McpServer } from '@modelcontextprotocol/server';
import { authInfoOf } from '../adapters/mcp/auth.js';
import { gatehouseNode, type GatedIncomingMessage } from '../adapters/node/middleware.js';
import { loadOrCreateSecret } from '../authority/keys/index.js';
import { resolveConfig } from '../config/resolve.js';
import type { ConfigLayer, GatehouseConfig } from '../config/schema.js';
import { createTokenExchange } from '../exchange/create-token-exchange.js';
import { TOKEN_EXCHANGE_GRANT, type TokenExchange } from '../exchange/types.js';
import { createGatehouse, type GatehouseInstance } from '../gatehouse.js';
import { sendJson } from '../http/node/respond.js';
import { listen } from '../server/listen.js';

/**
 * The on-behalf-of part of `gatehouse demo` (authority mode): a small
 * downstream API on a loopback port, behind its own gate with its own
 * audience, and the MCP tool `call_api`, which exchanges the caller's token
 * for one meant for that API and calls it. The API answers with the user
 * (`sub`) and the acting MCP server (`act.sub`).
 */

/** The demo MCP server's own confidential client at the authority. */
export const DEMO_EXCHANGE_CLIENT = 'gatehouse-demo-mcp';
/** The scope the demo API demands, granted by the exchange policy (the user's token does not carry it). */
export const DEMO_API_SCOPE = 'orders:read';
export const CALL_API_TOOL = 'call_api';

/** The API, its tool, and the settings that let the MCP server exchange tokens for it. */
export interface DemoDownstream {
  /** The API's audience: its resource URI. */
  readonly audience: string;
  /** The authority's settings: the MCP server's client and its token-exchange policy. */
  readonly layer: ConfigLayer;
  /** Once the authority runs: the API's gate trusts its tokens, the tool exchanges at its token endpoint. */
  connect(config: GatehouseConfig): void;
  /** Adds `call_api` to an MCP server. */
  addTool(server: McpServer): McpServer;
  readonly readyLine: string;
  close(): Promise<void>;
}

function text(value: unknown) {
  return { content: [{ type: 'text' as const, text: JSON.stringify(value, null, 2) }] };
}

/**
 * Starts the demo API on 127.0.0.1 (a free port) and prepares the MCP
 * server's client: a secret generated into the state directory, and a
 * policy letting it get `orders:read` tokens for the API.
 *
 * @example
 * ```ts
 * const downstream = await startDemoDownstream(layers);
 * const authority = await createAuthority(mergeConfig(layers, downstream.layer));
 * downstream.connect(authority.config);
 * ```
 */
export async function startDemoDownstream(layers: ConfigLayer): Promise<DemoDownstream> {
  const settings = resolveConfig({ ...layers, mode: 'authority', publicUrl: layers.publicUrl ?? 'http://localhost' }).authority;
  const clientSecret = await loadOrCreateSecret(settings.stateDir, 'demo-mcp-client', { persist: settings.store !== 'memory' });
  let guard: ((req: GatedIncomingMessage, res: ServerResponse) => Promise<boolean>) | undefined;
  let gate: GatehouseInstance | undefined;
  let exchange: TokenExchange | undefined;

  const listening = await listen(
    async function demoApi(req: GatedIncomingMessage, res) {
      if (!guard) return sendJson(res, 503, { status: 'starting' });
      if (await guard(req, res)) return;
      if (!req.auth) return sendJson(res, 404, { error: 'not_found' });
      const claims = (req.auth.extra?.claims ?? {}) as { sub?: unknown; act?: { sub?: unknown } };
      sendJson(res, 200, {
        api: 'gatehouse demo orders API',
        onBehalfOf: claims.sub ?? null,
        calledBy: claims.act?.sub ?? null,
        scopes: req.auth.scopes,
        orders: [{ id: 'A-1001', item: 'tea', quantity: 2 }],
      });
    },
    '127.0.0.1',
    0,
  );
  const apiUrl = `http://127.0.0.1:${listening.port}/api`;

  return {
    audience: apiUrl,
    layer: {
      authority: {
        clients: [
          ...(layers.authority?.clients ?? []),
          { client_id: DEMO_EXCHANGE_CLIENT, client_secret: clientSecret, grant_types: [TOKEN_EXCHANGE_GRANT], redirect_uris: [], response_types: [] },
        ],
        tokenExchange: {
          policies: [...(layers.authority?.tokenExchange?.policies ?? []), { client: DEMO_EXCHANGE_CLIENT, audiences: [apiUrl], scopes: [DEMO_API_SCOPE] }],
        },
      },
    },
    connect(config) {
      gate = createGatehouse({ issuer: config.issuer, publicUrl: `http://127.0.0.1:${listening.port}`, path: '/api', scopes: { required: [DEMO_API_SCOPE] }, resourceName: 'Gatehouse demo API' });
      guard = gatehouseNode(gate);
      exchange = createTokenExchange({ issuer: config.issuer, clientId: DEMO_EXCHANGE_CLIENT, clientSecret });
    },
    addTool(server) {
      server.registerTool(
        CALL_API_TOOL,
        {
          title: 'Call an API on your behalf',
          description:
            `Calls the demo orders API (${apiUrl}) as you: the MCP server exchanges your token for one meant for that API ` +
            '(RFC 8693) and never passes yours on. Returns what the API saw: on whose behalf, and who called.',
          annotations: { readOnlyHint: true },
        },
        async function callApi(ctx) {
          if (!exchange) throw new Error('the demo API is not connected yet');
          const token = await exchange.tokenFor(authInfoOf(ctx), { audience: apiUrl, scope: DEMO_API_SCOPE });
          const response = await fetch(`${apiUrl}/orders`, { headers: { authorization: `Bearer ${token}` } });
          return text({ status: response.status, response: (await response.json()) as unknown });
        },
      );
      return server;
    },
    readyLine: `  on-behalf-of: tool "${CALL_API_TOOL}" calls the demo API ${apiUrl} with an exchanged token (client ${DEMO_EXCHANGE_CLIENT})`,
    async close() {
      gate?.close();
      await listening.close();
    },
  };
}
