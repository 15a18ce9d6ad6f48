import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { ConfigLayer } from '../config/schema.js';
import { ASSERTION_JWKS_PATH } from '../proxy/front.js';
import { startProxy, type RunningProxy } from '../proxy/server.js';
import { mergedProxySettings, resolveProxySettings, type ProxySettings, type ProxySettingsInput } from '../config/sections/proxy.js';
import type { RuntimeSettings } from '../config/sections/server.js';
import { parseCount, parseDuration } from '../config/values.js';
import type { HttpProxy } from '../proxy/http/http-proxy.js';
import { loggerFromSettings } from '../log/settings.js';
import { UsageError, parsedFlag, type Io } from './io.js';
import { isLoopbackHost } from '../http/loopback.js';
import { RUNTIME_USAGE, SERVER_OPTIONS, runtimeSettings } from './runtime-settings.js';
import { checkSettingNames, loadLayers, waitForSignal } from './server-settings.js';
import { bold, green, yellow } from './style.js';

/** Option lines (flag, what it does, where else it is set) lined up in three columns. */
function inColumns(lines: string): string {
  return lines
    .split('\n')
    .map((line) => {
      const match = /^ {2}(\S.*?) {2,}(\S.*?) {2,}(\(.*)$/.exec(line);
      return match ? `  ${match[1]!.padEnd(25)}${match[2]!.padEnd(45)}${match[3]}` : line;
    })
    .join('\n');
}

export const PROXY_USAGE = `Usage: gatehouse proxy [options] --upstream <url>
       gatehouse proxy [options] -- <command> [args...]

Puts the gate in front of an MCP server that knows nothing of OAuth:
  --upstream <url>   a Streamable HTTP MCP server, reverse-proxied (responses streamed as they come)
  -- <command>       a stdio MCP server, run as a child process per user (or one shared)
Clients sign in at Gatehouse; the server never sees their tokens. An HTTP upstream
learns who calls from X-Gatehouse-Assertion, a 60-second JWT signed by Gatehouse
(keys at ${ASSERTION_JWKS_PATH}), plus X-Gatehouse-Subject, -Client-Id and
-Scopes when it is on loopback or trusted. A stdio child gets the caller's subject
in an env var of your choice (--env-subject).

Without an issuer, Gatehouse is the authorization server too (state in ./.gatehouse);
with --issuer (OAUTH_ISSUER_URL) it accepts that identity provider's tokens.

Options:
${inColumns(`  --upstream <url>         Streamable HTTP MCP server to protect       (env GATEHOUSE_UPSTREAM)
  --upstream-timeout <d>   Wait for the upstream's response headers     (env GATEHOUSE_UPSTREAM_TIMEOUT, default 120s)
  --connect-timeout <d>    Wait for a connection to the upstream        (env GATEHOUSE_CONNECT_TIMEOUT, default 10s)
  --trust-upstream         Plain identity headers to a remote upstream too (env GATEHOUSE_TRUST_UPSTREAM; default: loopback only)
  --shared                 stdio: one child for every user              (env GATEHOUSE_PROXY_SHARED; default one per user)
  --idle-timeout <d>       stdio: stop a child after this long idle     (env GATEHOUSE_IDLE_TIMEOUT, default 10m)
  --max-children <n>       stdio: at most this many children at once    (env GATEHOUSE_MAX_CHILDREN, default 100)
  --max-sessions-per-user <n>
                           At most this many MCP sessions per user      (env GATEHOUSE_MAX_SESSIONS_PER_USER, default 50)
  --env-subject <VAR>      stdio: put the caller's subject in VAR       (env GATEHOUSE_ENV_SUBJECT)
  --pass-env <A,B>         stdio: pass these variables to the child     (env GATEHOUSE_PASS_ENV; default: PATH, HOME and
                           a few more, never Gatehouse's own settings)
  --issuer <url>           Issuer whose tokens are accepted             (env OAUTH_ISSUER_URL; unset: Gatehouse issues them)
  --audience <aud>         Accepted token audience                      (env OAUTH_AUDIENCE, default: the MCP URL)
${RUNTIME_USAGE}
  --public-url <url>       URL clients use to reach Gatehouse           (env PUBLIC_URL, default http://localhost:<port>)
  --config <file>          JSON or YAML config file; proxy settings in its "proxy" section
                           (env GATEHOUSE_CONFIG, default ./gatehouse.config.json|yaml|yml)
  --strict                 Refuse to start on an unknown setting        (always so with GATEHOUSE_ENV=production)`)}
  -h, --help               Show this help

Durations: 30 (seconds), 30s, 500ms, 10m, 1h. Settings apply in this order, later
ones winning: config file, env vars, flags. /healthz answers while the process
runs; /readyz only while the upstream accepts connections (or the command exists).
On SIGINT/SIGTERM requests in flight get GATEHOUSE_SHUTDOWN_TIMEOUT seconds
(default 10) to finish; then sessions end and child processes are stopped.

Examples:
  gatehouse proxy --upstream http://127.0.0.1:8080/mcp
  gatehouse proxy -- npx -y @modelcontextprotocol/server-everything
  gatehouse proxy --env-subject MCP_USER --pass-env GITHUB_TOKEN -- node ./my-stdio-server.js
  gatehouse proxy --shared --idle-timeout 30m -- python -m my_server
  OAUTH_ISSUER_URL=https://login.example.com PUBLIC_URL=https://mcp.example.com \\
    gatehouse proxy --host 0.0.0.0 --upstream http://10.0.0.5:8080/mcp --trust-upstream
`;

interface ProxyCommand {
  layers: ConfigLayer;
  settings: ProxySettings;
  runtime: RuntimeSettings;
}

async function commandFrom(argv: string[], env: NodeJS.ProcessEnv, io: Io): Promise<ProxyCommand | 'help'> {
  const split = argv.indexOf('--');
  const flagArgs = split === -1 ? argv : argv.slice(0, split);
  const command = split === -1 ? undefined : argv.slice(split + 1);
  const { values } = parseArgs({
    args: flagArgs,
    strict: true,
    allowPositionals: false,
    options: {
      upstream: { type: 'string' },
      'upstream-timeout': { type: 'string' },
      'connect-timeout': { type: 'string' },
      'trust-upstream': { type: 'boolean' },
      shared: { type: 'boolean' },
      'idle-timeout': { type: 'string' },
      'max-children': { type: 'string' },
      'max-sessions-per-user': { type: 'string' },
      'env-subject': { type: 'string' },
      'pass-env': { type: 'string', multiple: true },
      ...SERVER_OPTIONS,
    },
  });
  if (values.help) return 'help';
  if (command !== undefined && command.length === 0) throw new UsageError('"--" must be followed by the command that runs the stdio MCP server');
  if (command && values.upstream) throw new UsageError('give either --upstream <url> or -- <command>, not both');
  const { layers, file, path } = await loadLayers({ resourceName: 'MCP server (behind Gatehouse)' }, values.config, env, {
    issuer: values.issuer,
    audience: values.audience,
    publicUrl: values['public-url'],
  });
  checkSettingNames(file, env, layers, { strict: values.strict, fileName: path, warn: (line) => io.err(yellow(line, process.stderr)) });
  const flags: ProxySettingsInput = {
    upstream: values.upstream,
    command,
    upstreamTimeoutSec: parsedFlag(values['upstream-timeout'], '--upstream-timeout', parseDuration),
    connectTimeoutSec: parsedFlag(values['connect-timeout'], '--connect-timeout', parseDuration),
    trustUpstream: values['trust-upstream'],
    shared: values.shared,
    idleTimeoutSec: parsedFlag(values['idle-timeout'], '--idle-timeout', parseDuration),
    maxChildren: parsedFlag(values['max-children'], '--max-children', parseCount),
    maxSessionsPerUser: parsedFlag(values['max-sessions-per-user'], '--max-sessions-per-user', parseCount),
    envSubject: values['env-subject'],
    passEnv: values['pass-env']?.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean),
  };
  const merged = mergedProxySettings(file, env, flags);
  if (!merged.upstream && !merged.command) throw new UsageError('nothing to protect: give --upstream <url> or -- <command> [args...]');
  return { layers, settings: resolveProxySettings(merged), runtime: runtimeSettings(values, env, file) };
}

function readyLines(proxy: RunningProxy, settings: ProxySettings): string[] {
  const { config } = proxy.front;
  const addresses = proxy.listening.addresses.map((a) => (a.includes(':') ? `[${a}]` : a)).join(', ');
  const target = settings.upstream
    ? `upstream ${settings.upstream}`
    : `stdio: ${settings.command!.join(' ')} (${settings.shared ? 'one process shared by every user' : 'one process per user'}, idle timeout ${settings.idleTimeoutSec} s)`;
  const as = config.mode === 'authority' ? `authorization server ${config.issuer}, state in ${resolve(config.authority.stateDir)}` : `tokens of ${config.issuer}`;
  const lines = [
    `${green(bold('Gatehouse proxy ready:'))} MCP endpoint ${proxy.mcpUrl} → ${target}`,
    `  ${as}`,
    `  listening on ${addresses} port ${proxy.listening.port}; health: ${proxy.publicUrl}/healthz, readiness: ${proxy.publicUrl}/readyz`,
  ];
  if (settings.upstream) {
    const plain = (proxy.backend as HttpProxy).plainHeaders;
    lines.push(
      `  the upstream learns the caller from X-Gatehouse-Assertion (keys: ${proxy.publicUrl}${ASSERTION_JWKS_PATH})` +
        (plain ? ' and X-Gatehouse-Subject, -Client-Id, -Scopes' : '; plain identity headers off (not loopback; --trust-upstream turns them on)'),
    );
  } else if (settings.envSubject) {
    lines.push(`  each child gets its user's subject in $${settings.envSubject}`);
  }
  lines.push(`  connect: claude mcp add --transport http gatehouse ${proxy.mcpUrl}   (or any MCP client, transport "Streamable HTTP")`);
  return lines;
}

/**
 * `gatehouse proxy`: serves an existing MCP server (HTTP upstream or stdio
 * command) behind the gate until SIGINT or SIGTERM, then drains and stops.
 * Resolves to the process exit code.
 *
 * @example
 * ```ts
 * process.exitCode = await runProxy(['--upstream', 'http://127.0.0.1:8080/mcp'], process.env, io);
 * ```
 */
export async function runProxy(argv: string[], env: NodeJS.ProcessEnv, io: Io): Promise<number> {
  const parsed = await commandFrom(argv, env, io);
  if (parsed === 'help') {
    io.out(PROXY_USAGE);
    return 0;
  }
  const { layers, settings, runtime } = parsed;
  const { host, port } = runtime;
  if (!layers.publicUrl && !isLoopbackHost(host)) {
    io.err(yellow(`WARNING: listening on ${host} without PUBLIC_URL: documents and challenges will name http://localhost:${port}, which other machines cannot reach. Set PUBLIC_URL.`, process.stderr));
  }
  const logger = loggerFromSettings(runtime.log, { write: io.out });
  const proxy = await startProxy({ layers, settings, host, port, env, logger, warn: (line) => io.err(line), shutdownTimeoutMs: runtime.shutdownTimeoutMs, metrics: runtime.metrics });
  try {
    for (const line of readyLines(proxy, settings)) io.out(line);
    const ready = await proxy.backend.ready();
    if (!ready.ready) io.err(yellow(`WARNING: not ready yet: ${ready.detail}. MCP requests fail until it is.`, process.stderr));
    const signal = await waitForSignal();
    io.out(`Received ${signal}, draining (up to ${runtime.shutdownTimeoutMs / 1000} s) and shutting down`);
    return 0;
  } finally {
    await proxy.close();
  }
}
