import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { createGatehouse, mergeConfig, type ConfigLayer, type GatehouseConfig } from 'mcp-gatehouse';
import { mountMcp } from 'mcp-gatehouse/express';
import { createMcpHandler } from 'mcp-gatehouse/mcp';
import { buildServer } from './server.js';

/** Where to listen. */
export interface ListenOptions {
  /** 0 picks a free port. */
  port: number;
  host: string;
}

/** A running server. */
export interface RunningServer {
  config: GatehouseConfig;
  /** The MCP endpoint clients connect to. */
  mcpUrl: string;
  port: number;
  /** Stops taking connections, lets open requests finish (up to `timeoutMs`), then closes. */
  close(timeoutMs?: number): Promise<void>;
}

/** This server's own settings, under every env var and code setting. */
const DEFAULTS: ConfigLayer = { resourceName: '{{name}}' };

/**
 * Builds the Express app. With an `issuer` (OAUTH_ISSUER_URL), Gatehouse is
 * a resource server that verifies that identity provider's tokens; without
 * one, it is the authorization server too (sign-in page, registration,
 * tokens), on this origin.
 */
async function buildApp(settings: ConfigLayer) {
  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', (_req, res) => void res.json({ status: 'ok' }));

  if (settings.issuer) {
    const gate = createGatehouse(settings);
    await gate.ready();
    const mcp = mountMcp(app, gate, buildServer);
    async function close() {
      await mcp.close();
      gate.close();
    }
    return { app, config: gate.config, close };
  }

  // Loaded only here: the authorization server (oidc-provider) is not part of resource-server mode.
  const { createAuthority } = await import('mcp-gatehouse/authority');
  const authority = await createAuthority(settings);
  const mcp = createMcpHandler(buildServer);
  // The authority serves its own pages and endpoints, the discovery documents and the gate; a request
  // that passed the gate reaches the next route with `req.auth` set.
  app.use((req, res, next) => void authority.handler(req, res, next));
  app.all(authority.config.path, (req, res) => void mcp.node(req, res));
  async function close() {
    await mcp.close();
    await authority.close();
  }
  return { app, config: authority.config, close };
}

function closeGracefully(server: Server, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    const force = setTimeout(() => server.closeAllConnections(), timeoutMs);
    server.close(() => {
      clearTimeout(force);
      resolve();
    });
    server.closeIdleConnections();
  });
}

/**
 * Listens first (the port decides the default public URL, which in
 * authority mode is the token issuer), then serves the app.
 *
 * @example
 * const running = await startServer({ authority: { stateDir: '.gatehouse' } }, { port: 3000, host: '127.0.0.1' });
 */
export async function startServer(settings: ConfigLayer, listen: ListenOptions): Promise<RunningServer> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const publicUrl = settings.publicUrl ?? `http://${listen.host.includes(':') ? `[${listen.host}]` : listen.host}:${port}`;
  let built: Awaited<ReturnType<typeof buildApp>>;
  try {
    built = await buildApp(mergeConfig(DEFAULTS, settings, { publicUrl }));
  } catch (err) {
    server.close();
    throw err;
  }
  server.on('request', built.app);
  return {
    config: built.config,
    mcpUrl: `${publicUrl.replace(/\/+$/, '')}${built.config.path}`,
    port,
    async close(timeoutMs = 10_000) {
      await closeGracefully(server, timeoutMs);
      await built.close();
    },
  };
}
