import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseArgs } from 'node:util';
import { gatehouseNode, type GatedIncomingMessage } from '../adapters/node/middleware.js';
import { writeWebResponse } from '../adapters/node/response.js';
import { createMcpHandler } from '../adapters/mcp/handler.js';
import { resolveConfig } from '../config/resolve.js';
import type { ConfigLayer } from '../config/schema.js';
import { createGatehouse, type GatehouseInstance } from '../gatehouse.js';
import { pathOf } from '../http/node/request-path.js';
import { sendJson } from '../http/node/respond.js';
import { loggerFromSettings } from '../log/settings.js';
import type { Gatehouse } from '../types.js';
import { ADMIN_TOOL, DEFAULT_ADMIN_SCOPE, createDemoServer } from './demo-server.js';
import { isLoopbackHost } from '../http/loopback.js';
import type { Io } from './io.js';
import type { RuntimeSettings } from '../config/sections/server.js';
import { RUNTIME_USAGE, SERVER_OPTIONS, runtimeSettings } from './runtime-settings.js';
import { serve } from '../server/serve.js';
import { gateSources, startObservability } from '../metrics/observability.js';
import { checkSettingNames, loadLayers, waitForSignal } from './server-settings.js';
import { bold, green, yellow } from './style.js';

export const DEMO_USAGE = `Usage: gatehouse demo [options]

Runs a small MCP server behind the gate: tools "whoami" (the caller's subject,
client id and scopes) and "${ADMIN_TOOL}" (needs the scope ${DEFAULT_ADMIN_SCOPE}).

Without an issuer, Gatehouse is the authorization server too: sign-in page,
client registration and tokens on the same origin, zero configuration, state
(keys, sessions, clients) in ./.gatehouse, plus a small downstream API and the
tool "call_api", which calls it on your behalf by token exchange (RFC 8693).
With --issuer (OAUTH_ISSUER_URL) it accepts the access tokens of that identity
provider instead.

Options:
  --issuer <url>       Issuer whose tokens are accepted        (env OAUTH_ISSUER_URL; unset: Gatehouse issues them)
  --audience <aud>     Accepted token audience                 (env OAUTH_AUDIENCE, default: the MCP URL)
${RUNTIME_USAGE}
  --public-url <url>   URL clients use to reach this server    (env PUBLIC_URL, default http://localhost:<port>)
  --config <file>      JSON or YAML config file                (env GATEHOUSE_CONFIG, default ./gatehouse.config.json|yaml|yml)
  --strict             Refuse to start on an unknown setting   (always so with GATEHOUSE_ENV=production; otherwise a warning)
  -h, --help           Show this help

Settings apply in this order, later ones winning: config file, env vars, flags.
Every OAUTH_* and GATEHOUSE_* variable of the library works here too
(GATEHOUSE_STATE_DIR moves ./.gatehouse; GATEHOUSE_ENV=production turns on the guard rails).
Check them with: gatehouse config check

/healthz answers 200 while the process is up; /readyz 200 once it serves, 503
while starting and while stopping. On SIGINT/SIGTERM open requests and streams
get GATEHOUSE_SHUTDOWN_TIMEOUT seconds (default 10) to finish.

Examples:
  gatehouse demo
  OAUTH_ISSUER_URL=http://localhost:8080/realms/mcp gatehouse demo
  gatehouse demo --issuer https://login.example.com --port 8080
  HOST=0.0.0.0 PUBLIC_URL=https://mcp.example.com gatehouse demo --issuer https://idp.example.com
`;

/** The demo's own defaults, under every other setting. */
export const DEMO_DEFAULTS: ConfigLayer = { resourceName: 'Gatehouse demo', scopes: { tools: { [ADMIN_TOOL]: [DEFAULT_ADMIN_SCOPE] } } };

interface DemoSettings {
  host: string;
  port: number;
  layers: ConfigLayer;
  runtime: RuntimeSettings;
}

async function settingsFrom(argv: string[], env: NodeJS.ProcessEnv, io: Io): Promise<DemoSettings | 'help'> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: SERVER_OPTIONS,
  });
  if (values.help) return 'help';
  const flags: ConfigLayer = { issuer: values.issuer, audience: values.audience, publicUrl: values['public-url'] };
  const { layers, file, path } = await loadLayers(DEMO_DEFAULTS, values.config, env, flags);
  checkSettingNames(file, env, layers, { strict: values.strict, fileName: path, warn: (line) => io.err(yellow(line, process.stderr)) });
  const runtime = runtimeSettings(values, env, file);
  return { host: runtime.host, port: runtime.port, layers, runtime };
}

/** The demo's HTTP app: health, the gate's own routes, the MCP endpoint, a hint at `/`. */
function demoApp(gate: Gatehouse, mcpUrl: string) {
  const guard = gatehouseNode(gate);
  const adminScopes = gate.config.scopes.tools[ADMIN_TOOL] ?? [];
  const mcp = createMcpHandler(() => createDemoServer({ adminScopes }), { sdk: 'v2' });
  async function app(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = pathOf(req);
    if (await guard(req, res)) return;
    if ((req as GatedIncomingMessage).auth) return mcp.node(req, res);
    if (path === '/' && req.method === 'GET') {
      return void writeWebResponse(res, new Response(`Gatehouse demo. MCP endpoint: ${mcpUrl}\n`, { headers: { 'content-type': 'text/plain; charset=utf-8' } }));
    }
    sendJson(res, 404, { error: 'not_found' });
  }
  return { app, close: () => mcp.close() };
}

async function runAuthorityDemo(layers: ConfigLayer, runtime: RuntimeSettings, io: Io): Promise<number> {
  const logger = loggerFromSettings(runtime.log, { write: io.out });
  // Loaded only here: the authority pulls in oidc-provider, which resource-server mode and --help do not need.
  const { startAuthorityDemo } = await import('./demo-authority.js');
  const demo = await startAuthorityDemo(layers, runtime.host, runtime.port, io, { logger, shutdownTimeoutMs: runtime.shutdownTimeoutMs, metrics: runtime.metrics });
  try {
    const signal = await waitForSignal();
    io.out(`Received ${signal}, shutting down`);
    await demo.shutdown();
    return 0;
  } finally {
    await demo.close();
  }
}

/**
 * `gatehouse demo`: serves the demo MCP server behind the gate until SIGINT
 * or SIGTERM. Resolves to the process exit code.
 *
 * @example
 * ```ts
 * process.exitCode = await runDemo(['--port', '8080'], process.env, io);
 * ```
 */
export async function runDemo(argv: string[], env: NodeJS.ProcessEnv, io: Io): Promise<number> {
  const settings = await settingsFrom(argv, env, io);
  if (settings === 'help') {
    io.out(DEMO_USAGE);
    return 0;
  }
  const { host, port, layers, runtime } = settings;
  if (!layers.issuer && layers.mode !== 'resource-server') return runAuthorityDemo(layers, runtime, io);
  const logger = loggerFromSettings(runtime.log, { write: io.out });
  // Fail on a bad config before binding a port.
  const checked = resolveConfig({ ...layers, publicUrl: layers.publicUrl ?? `http://localhost:${port || 3000}` });
  if (!layers.publicUrl && !isLoopbackHost(host)) {
    io.err(
      yellow(
        `WARNING: listening on ${host} without PUBLIC_URL. Documents and challenges will name http://localhost:${port}, ` +
          'which clients on other machines cannot reach, and tokens for any other URL will be refused. ' +
          'Set PUBLIC_URL to the URL clients use (e.g. https://mcp.example.com).',
        process.stderr,
      ),
    );
  }

  const protectedPath = layers.path ?? '/mcp';
  const observability = await startObservability({ logger, metrics: runtime.metrics, publicPort: port, protectedPath, trustProxy: () => checked.trustProxy });
  // Until the gate is ready only /healthz and /readyz answer (readyz: 503).
  let gate: GatehouseInstance | undefined;
  const listening = await serve({
    host,
    port,
    logger,
    protectedPath,
    onRequest: observability.onRequest,
    shutdownTimeoutMs: runtime.shutdownTimeoutMs,
    // With discovery.lazyStart the gate serves before the issuer's keys load; /readyz says so until they do.
    readiness: () => gate?.readiness() ?? Promise.resolve({ ready: false, detail: 'starting' }),
  }).catch(async (err: unknown) => {
    await observability.close();
    throw err;
  });
  const publicUrl = (layers.publicUrl ?? `http://localhost:${listening.port}`).replace(/\/+$/, '');
  let closeApp = async () => {};
  try {
    // Resolved once: again only when the port was chosen by the system (port 0), which changes the public URL.
    gate = createGatehouse(checked.publicUrl === publicUrl ? checked : { ...layers, publicUrl }, { telemetry: observability.telemetry });
    if (observability.sources) Object.assign(observability.sources, gateSources(gate));
    await gate.ready();
    const mcpUrl = `${publicUrl}${gate.config.path}`;
    const demo = demoApp(gate, mcpUrl);
    listening.ready(demo.app);
    closeApp = demo.close;
    io.out(`${green(bold('Gatehouse ready:'))} MCP endpoint ${mcpUrl} (issuer ${gate.config.issuer})`);
    io.out(`  listening on ${listening.addresses.map((a) => (a.includes(':') ? `[${a}]` : a)).join(', ')} port ${listening.port}; health: ${publicUrl}/healthz, ${publicUrl}/readyz`);
    io.out(`  connect: npx @modelcontextprotocol/inspector  (transport "Streamable HTTP", URL ${mcpUrl})`);
    io.out(`       or: claude mcp add --transport http gatehouse-demo ${mcpUrl}`);
    const signal = await waitForSignal();
    io.out(`Received ${signal}, shutting down`);
    await listening.shutdown();
    return 0;
  } finally {
    await listening.close();
    await closeApp();
    gate?.close();
    await observability.close();
  }
}
