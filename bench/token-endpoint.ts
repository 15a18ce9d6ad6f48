/**
 * The authority's token endpoint next to bare `oidc-provider`: requests per
 * second and server CPU per request of `POST /oauth/token` for
 * client_credentials (a configured client, HTTP Basic) and for the
 * refresh_token grant (a public client; every request redeems a refresh
 * token of its own, minted beforehand), on Gatehouse's authority as
 * `gatehouse demo` serves it and on oidc-provider alone, both in child
 * processes of their own (bench/token-server.ts) on memory stores with
 * RS256 keys and JWT access tokens for one resource. The bare provider is
 * measured twice: its ratio to itself is the noise floor. Configurations
 * rotate round by round; medians are reported.
 */
import { loadavg } from 'node:os';
import { load, type HttpBenchOptions, type LoadRequest, type RunResult } from './http.js';
import { startChild, stop, type Child } from './proxy.js';
import { besideBench, formatNumber, type LoadRow, median, table } from './stats.js';
import { TOKEN_APP, TOKEN_ROBOT, TOKEN_SCOPE } from './token-server.js';

const SCRIPT = besideBench('./token-server');

/** Issue 14's aim: Gatehouse's token endpoint at 0.9x or more of bare oidc-provider. */
const TOKEN_AIM = 0.9;

export type TokenGrant = 'client_credentials' | 'refresh_token';
export type TokenConfigName = 'bare oidc-provider' | 'Gatehouse authority' | 'bare oidc-provider, again (noise floor)';

/** The medians of one configuration and grant over every round. */
export interface TokenBenchRow extends LoadRow {
  grant: TokenGrant;
  name: TokenConfigName;
  serverCpuUs: number;
  /** Refresh runs that ran out of minted refresh tokens (their surplus requests failed). */
  outran: number;
}

/** What the section prints beside its rows. */
export interface TokenBenchResult {
  rows: TokenBenchRow[];
  loadBefore: number[];
  loadAfter: number[];
}

const FORM = 'application/x-www-form-urlencoded';
const CLIENT_CREDENTIALS: LoadRequest = {
  path: '/oauth/token',
  body: `grant_type=client_credentials&scope=${encodeURIComponent(TOKEN_SCOPE)}`,
  headers: () => ({ 'content-type': FORM, authorization: `Basic ${Buffer.from(`${TOKEN_ROBOT.client_id}:${TOKEN_ROBOT.client_secret}`).toString('base64')}` }),
};

/** A refresh request per token in `tokens`; past the last one, a token nobody issued (answered 400, counted as a failure). */
function refreshRequests(tokens: string[]): { request: LoadRequest; outran: () => boolean } {
  let next = 0;
  return {
    request: {
      path: '/oauth/token',
      body: () => `grant_type=refresh_token&client_id=${TOKEN_APP.client_id}&refresh_token=${tokens[next++] ?? 'exhausted'}`,
      headers: () => ({ 'content-type': FORM }),
    },
    outran: () => next > tokens.length,
  };
}

const GRANT_NAMES: readonly TokenGrant[] = ['client_credentials', 'refresh_token'];

/** `BENCH_TOKEN_GRANTS=client_credentials` runs one grant alone (e.g. to profile it without the refresh tokens' minting). */
function chosenGrants(): TokenGrant[] {
  const raw = process.env.BENCH_TOKEN_GRANTS;
  if (!raw) return [...GRANT_NAMES];
  const names = raw.split(',').map((s) => s.trim()).filter(Boolean);
  for (const name of names) if (!GRANT_NAMES.includes(name as TokenGrant)) throw new Error(`BENCH_TOKEN_GRANTS: unknown grant "${name}" (one of ${GRANT_NAMES.join(', ')})`);
  return names as TokenGrant[];
}

interface Target {
  child: Child;
  /** The last run's req/s, to size the next batch of refresh tokens. */
  lastRate: number;
}

async function run(target: Target, grant: TokenGrant, options: HttpBenchOptions, seconds: number): Promise<{ run: RunResult; cpuUs: number; outran: boolean }> {
  let request = CLIENT_CREDENTIALS;
  let outran = () => false;
  if (grant === 'refresh_token') {
    // Single use (rotation): enough for the last rate half again over, minted before the CPU reading.
    const count = Math.ceil(target.lastRate * 1.5 * seconds) + 20 * options.connections;
    ({ request, outran } = refreshRequests((await target.child.ask('mint', { count })).tokens ?? []));
  }
  const before = await target.child.ask('stats');
  const result = await load(target.child.url, options, seconds, () => '', request);
  const after = await target.child.ask('stats');
  target.lastRate = Math.max(target.lastRate, result.requestsPerSec);
  return { run: result, cpuUs: result.requests > 0 ? (after.cpuMicros - before.cpuMicros) / result.requests : Number.NaN, outran: outran() };
}

/**
 * Runs the token-endpoint comparison and stops its children, whatever happens.
 *
 * @example
 * ```ts
 * printTokenBench(await runTokenBench({ connections: 10, durationSec: 3, rounds: 5, warmupSec: 1 }), options);
 * ```
 */
export async function runTokenBench(options: HttpBenchOptions): Promise<TokenBenchResult> {
  const loadBefore = loadavg();
  let bare: Target | undefined;
  let gatehouse: Target | undefined;
  const rows: TokenBenchRow[] = [];
  try {
    bare = { child: await startChild(['bare'], process.env, SCRIPT), lastRate: 3000 };
    gatehouse = { child: await startChild(['gatehouse'], process.env, SCRIPT), lastRate: 3000 };
    const configs: { name: TokenConfigName; target: Target }[] = [
      { name: 'bare oidc-provider', target: bare },
      { name: 'Gatehouse authority', target: gatehouse },
      { name: 'bare oidc-provider, again (noise floor)', target: bare },
    ];
    for (const grant of chosenGrants()) {
      const measured = new Map<TokenConfigName, { run: RunResult; cpuUs: number; outran: boolean }[]>(configs.map((c) => [c.name, []]));
      for (const config of configs) await run(config.target, grant, options, options.warmupSec);
      for (let round = 0; round < options.rounds; round++) {
        const order = configs.map((_, i) => configs[(i + round) % configs.length]!);
        for (const config of order) measured.get(config.name)!.push(await run(config.target, grant, options, options.durationSec));
      }
      for (const { name } of configs) {
        const runs = measured.get(name)!;
        rows.push({
          grant,
          name,
          requestsPerSec: median(runs.map((r) => r.run.requestsPerSec)),
          p50Ms: median(runs.map((r) => r.run.p50Ms)),
          p99Ms: median(runs.map((r) => r.run.p99Ms)),
          rounds: runs.map((r) => r.run.requestsPerSec),
          failures: runs.reduce((sum, r) => sum + r.run.failures, 0),
          serverCpuUs: median(runs.map((r) => r.cpuUs)),
          outran: runs.filter((r) => r.outran).length,
        });
      }
    }
  } finally {
    await stop(gatehouse?.child);
    await stop(bare?.child);
  }
  return { rows, loadBefore, loadAfter: loadavg() };
}

const GRANTS: Record<TokenGrant, string> = {
  client_credentials: 'client_credentials (configured client, HTTP Basic)',
  refresh_token: 'refresh_token (public client, rotation: a minted refresh token per request)',
};

/**
 * Prints the section: per grant, each configuration's medians with its
 * ratio to bare oidc-provider by req/s and by CPU, then whether the aim was met.
 *
 * @example
 * ```ts
 * printTokenBench(result, options);
 * ```
 */
export function printTokenBench(result: TokenBenchResult, options: HttpBenchOptions): void {
  const fmtLoad = (values: number[]) => values.map((v) => v.toFixed(2)).join(' ');
  console.log(
    `\nToken endpoint: POST /oauth/token on Gatehouse's authority (as gatehouse demo serves it: request log, audit, the /token rate limit raised out of the way) ` +
      `and on bare oidc-provider, memory stores, RS256, JWT access tokens for one resource; ${options.connections} connections, ` +
      `${options.rounds} round(s) x ${options.durationSec}s per configuration, rotating; medians over rounds.\n` +
      `Load average before ${fmtLoad(result.loadBefore)}, after ${fmtLoad(result.loadAfter)}.\n`,
  );
  for (const grant of GRANT_NAMES) {
    const rows = result.rows.filter((row) => row.grant === grant);
    const base = rows.find((row) => row.name === 'bare oidc-provider');
    if (!base) continue;
    console.log(`${GRANTS[grant]}:`);
    console.log(
      table(
        ['server', 'req/s', 'vs bare', 'p50 ms', 'p99 ms', 'server CPU µs/req', 'CPU vs bare', 'req/s of each round'],
        rows.map((row) => [
          row.name,
          formatNumber(row.requestsPerSec),
          `${formatNumber(row.requestsPerSec / base.requestsPerSec, 3)}x`,
          formatNumber(row.p50Ms, 2),
          formatNumber(row.p99Ms, 2),
          formatNumber(row.serverCpuUs, 1),
          `${formatNumber(base.serverCpuUs / row.serverCpuUs, 3)}x`,
          row.rounds.map((v) => formatNumber(v)).join(', '),
        ]),
      ),
    );
    const gatehouse = rows.find((row) => row.name === 'Gatehouse authority')!;
    const floor = rows.find((row) => row.name === 'bare oidc-provider, again (noise floor)')!;
    const ratio = gatehouse.requestsPerSec / base.requestsPerSec;
    const cpuRatio = base.serverCpuUs / gatehouse.serverCpuUs;
    console.log(
      `  Gatehouse keeps ${formatNumber(ratio, 3)}x of bare oidc-provider's req/s (noise floor ${formatNumber(floor.requestsPerSec / base.requestsPerSec, 3)}x) and ` +
        `${formatNumber(cpuRatio, 3)}x by CPU per request (+${formatNumber(gatehouse.serverCpuUs - base.serverCpuUs, 1)} µs; noise floor ${formatNumber(base.serverCpuUs / floor.serverCpuUs, 3)}x); ` +
        `aim >= ${TOKEN_AIM}x: ${ratio >= TOKEN_AIM ? 'met' : 'not met'} by req/s, ${cpuRatio >= TOKEN_AIM ? 'met' : 'not met'} by CPU on this run.\n`,
    );
    for (const row of rows.filter((r) => r.failures > 0)) console.log(`WARNING: ${grant}, ${row.name}: ${row.failures} non-2xx responses or errors; its figures are not valid`);
    for (const row of rows.filter((r) => r.outran > 0)) console.log(`WARNING: ${grant}, ${row.name}: ${row.outran} run(s) used up their minted refresh tokens`);
  }
}
