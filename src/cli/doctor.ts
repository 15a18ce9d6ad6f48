import { parseArgs } from 'node:util';
import { DEFAULT_BROWSER_ORIGIN, DEFAULT_TIMEOUT_MS, diagnose, renderReport, SPEC_REVISIONS, type Paint, type SpecRevision } from '../doctor/index.js';
import { runConformance } from './doctor-conformance.js';
import { UsageError, type Io } from './io.js';
import { bold, dim, green, red, yellow } from './style.js';

export const DOCTOR_USAGE = `Usage: gatehouse doctor <url> [options]

Probes an MCP server the way each real client does (MCP SDK, MCP SDK v2 on
2026-07-28, MCP Inspector, mcp-remote, Claude, Claude Code, VS Code, Cursor):
the 401 challenge (to initialize and to server/discover), protected-resource
metadata, authorization-server metadata, PKCE, client registration, CORS and,
with --token, the protocol eras the server speaks (modern 2026-07-28 and/or
2025 legacy). Prints a table of clients x steps (pass, warn, fail), the eras,
and each finding with a one-line fix. Sends a token only when given --token
and, unless --register, changes nothing on the server.

Exit code: 0 when no client fails (warnings allowed), 1 when one does, 2 on bad usage.

Options:
  --json              Print the report as JSON: { url, profiles, steps, findings, summary, eras }
  --timeout <time>    Per request, in ms or with a unit: 5000, 5s    (default ${DEFAULT_TIMEOUT_MS / 1000}s)
  --register          Register one client per profile (DCR) and report which are
                      accepted; this creates clients on the authorization server
  --origin <origin>   Browser origin for the CORS checks             (default ${DEFAULT_BROWSER_ORIGIN}, MCP Inspector's)
  --token <token>     An access token for the server: which eras it speaks (server/discover
                      offering 2026-07-28, initialize answering); never printed
  -h, --help          Show this help

Conformance (the MCP authorization spec and its RFCs, requirement by requirement):
  --conformance       Judge every requirement of the catalogue (docs/conformance.md):
                      pass, fail (MUST), warn (SHOULD), not observable; exit 1 on a MUST failure
  --spec <revision>   MCP revision: ${SPEC_REVISIONS.join(', ')}   (default ${SPEC_REVISIONS[0]})
  --token <token>     Also: the 2026-07-28 header checks, a token in the query string
  --junit             Print JUnit XML instead of the table (for CI systems)
  --verbose           Say why each requirement was not observable
  With --register, also sends authorization requests for a test client (nobody signs in).

Colours only on a terminal, never with NO_COLOR set.

Examples:
  gatehouse doctor http://localhost:3000/mcp
  gatehouse doctor https://mcp.example.com/mcp --register
  gatehouse doctor https://mcp.example.com/mcp --token "$ACCESS_TOKEN"
  gatehouse doctor https://mcp.example.com/mcp --json --timeout 5s | jq '.findings[].fix'
  gatehouse doctor --conformance https://mcp.example.com/mcp
  gatehouse doctor --conformance --spec 2025-11-25 --junit https://mcp.example.com/mcp > conformance.xml
`;

export interface DoctorSettings {
  url: string;
  json: boolean;
  timeoutMs: number;
  register: boolean;
  origin: string;
  conformance: boolean;
  spec: SpecRevision;
  token?: string;
  junit: boolean;
  verbose: boolean;
}

function parseSpec(value: string | undefined): SpecRevision {
  if (value === undefined) return SPEC_REVISIONS[0]!;
  if (!(SPEC_REVISIONS as readonly string[]).includes(value)) throw new UsageError(`--spec="${value}" is not a known MCP revision: use one of ${SPEC_REVISIONS.join(', ')}`);
  return value as SpecRevision;
}

function parseTimeout(value: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s)?\s*$/.exec(value);
  const ms = match ? Number(match[1]) * (match[2] === 's' ? 1000 : 1) : NaN;
  if (!Number.isFinite(ms) || ms < 1 || ms > 600_000) throw new UsageError(`--timeout="${value}" is not a duration between 1ms and 600s (e.g. 5000 or 5s)`);
  return Math.round(ms);
}

function parseUrl(value: string, what: string): URL {
  if (!URL.canParse(value) || !/^https?:$/.test(new URL(value).protocol)) throw new UsageError(`${what} "${value}" is not an http(s) URL, e.g. https://mcp.example.com/mcp`);
  return new URL(value);
}

function settingsFrom(argv: string[]): DoctorSettings | 'help' {
  const { values, positionals } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: true,
    options: {
      json: { type: 'boolean' },
      timeout: { type: 'string' },
      register: { type: 'boolean' },
      origin: { type: 'string' },
      conformance: { type: 'boolean' },
      spec: { type: 'string' },
      token: { type: 'string' },
      junit: { type: 'boolean' },
      verbose: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return 'help';
  const [url, ...extra] = positionals;
  if (url === undefined) throw new UsageError('give the URL of the MCP endpoint, e.g. gatehouse doctor https://mcp.example.com/mcp');
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
  const conformance = values.conformance ?? false;
  for (const only of ['spec', 'junit', 'verbose'] as const) {
    if (values[only] !== undefined && !conformance) throw new UsageError(`--${only} goes with --conformance`);
  }
  if (values.junit && values.json) throw new UsageError('choose one of --json and --junit');
  if (values.token !== undefined && !/^[\x21-\x7e]+$/.test(values.token)) throw new UsageError('--token must be the bare access token (printable characters, no "Bearer " prefix)');
  return {
    url: parseUrl(url, 'the URL').href,
    json: values.json ?? false,
    timeoutMs: values.timeout === undefined ? DEFAULT_TIMEOUT_MS : parseTimeout(values.timeout),
    register: values.register ?? false,
    origin: values.origin === undefined ? DEFAULT_BROWSER_ORIGIN : parseUrl(values.origin, '--origin').origin,
    conformance,
    spec: parseSpec(values.spec),
    ...(values.token !== undefined ? { token: values.token } : {}),
    junit: values.junit ?? false,
    verbose: values.verbose ?? false,
  };
}

const TERMINAL: Paint = { pass: (t) => green(t), warn: (t) => yellow(t), fail: (t) => red(t), dim: (t) => dim(t), bold: (t) => bold(t) };

/**
 * `gatehouse doctor <url>`: diagnoses an MCP server as each real client
 * sees it. Resolves to the exit code: 1 when any client fails.
 *
 * @example
 * ```ts
 * process.exitCode = await runDoctor(['https://mcp.example.com/mcp', '--json'], process.env, io);
 * ```
 */
export async function runDoctor(argv: string[], _env: NodeJS.ProcessEnv, io: Io): Promise<number> {
  const settings = settingsFrom(argv);
  if (settings === 'help') {
    io.out(DOCTOR_USAGE);
    return 0;
  }
  if (settings.conformance) return runConformance(settings, io, TERMINAL);
  const report = await diagnose(settings.url, {
    timeoutMs: settings.timeoutMs, register: settings.register, browserOrigin: settings.origin, ...(settings.token !== undefined ? { token: settings.token } : {}),
  });
  io.out(settings.json ? JSON.stringify(report, null, 2) : renderReport(report, { registerAttempted: settings.register, paint: TERMINAL }));
  return report.summary.fail > 0 ? 1 : 0;
}
