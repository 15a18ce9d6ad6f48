/**
 * Several instances: gated requests/s and token-endpoint requests/s
 * (client_credentials of a configured client) of Gatehouse's authority on
 * the file store and on Redis, one instance and two behind a round-robin
 * (bench/instance-server.ts: every process a child of its own). Every
 * layout, one instance included, is reached through the same round-robin
 * process, so the balancer's cost is the same in every row and the ratios
 * compare stores and instance counts. Layouts alternate round by round
 * (the order rotates); medians are reported.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { signInForTokens } from '../tests/e2e/authority-harness.js';
import { hasRedisServer, startRedisServer, type TestRedis } from '../tests/helpers/redis-process.js';
import { load, type HttpBenchOptions, type LoadRequest, type RunResult } from './http.js';
import { BENCH_ROBOT } from './instance-server.js';
import { startChild, stop, type Child } from './proxy.js';
import { besideBench, formatNumber, median, table } from './stats.js';

const SCRIPT = besideBench('./instance-server');

interface Layout {
  name: string;
  store: 'file' | 'redis';
  instances: 1 | 2;
}

const LAYOUTS: Layout[] = [
  { name: 'file, 1 instance', store: 'file', instances: 1 },
  { name: 'file, 2 instances (one state dir)', store: 'file', instances: 2 },
  { name: 'redis, 1 instance', store: 'redis', instances: 1 },
  { name: 'redis, 2 instances', store: 'redis', instances: 2 },
];

type Load = 'gated' | 'token';

/** The medians of one layout and one kind of request over every round. */
export interface InstancesBenchRow {
  layout: string;
  load: Load;
  requestsPerSec: number;
  p50Ms: number;
  rounds: number[];
  failures: number;
  /** CPU µs per request of the instances together (median over rounds). */
  instanceCpuUs: number;
}

/** What the section prints beside its rows. */
export interface InstancesBenchResult {
  rows: InstancesBenchRow[];
  loadBefore: number[];
  loadAfter: number[];
  skipped?: string;
}

interface Running {
  layout: Layout;
  instances: Child[];
  balancer: Child;
  token: string;
  stateDirs: string[];
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function startLayout(layout: Layout, redis: TestRedis | undefined, index: number): Promise<Running> {
  const balancerPort = await freePort();
  const publicUrl = `http://127.0.0.1:${balancerPort}`;
  // Two file-store instances on one host share one state directory (keys, records); Redis instances each have their own.
  const stateDirs = Array.from({ length: layout.store === 'file' ? 1 : layout.instances }, () => mkdtempSync(join(tmpdir(), 'gatehouse-bench-instances-')));
  const instances: Child[] = [];
  // One after the other: the first creates the keys the second reads.
  for (let i = 0; i < layout.instances; i++) {
    const env = {
      ...process.env,
      BENCH_STORE: layout.store,
      BENCH_STATE_DIR: stateDirs[Math.min(i, stateDirs.length - 1)],
      BENCH_PUBLIC_URL: publicUrl,
      BENCH_REDIS_URL: redis?.url ?? '',
      BENCH_REDIS_PREFIX: `bench${index}:`,
    };
    instances.push(await startChild(['instance'], env, SCRIPT));
  }
  const backends = instances.map((child) => new URL(child.url).port).join(',');
  const balancer = await startChild(['balancer'], { ...process.env, BENCH_PORT: String(balancerPort), BENCH_BACKENDS: backends }, SCRIPT);
  // A user signs in through the balancer (so across both instances), as an MCP client would.
  const tokens = (await signInForTokens(publicUrl, { login: 'bench', scope: 'mcp:tools' })) as { access_token?: string };
  if (!tokens.access_token) throw new Error(`${layout.name}: the sign-in gave no access token: ${JSON.stringify(tokens)}`);
  return { layout, instances, balancer, token: tokens.access_token, stateDirs };
}

async function stopLayout(running: Running | undefined): Promise<void> {
  if (!running) return;
  await stop(running.balancer);
  await Promise.all(running.instances.map((child) => stop(child)));
  for (const dir of running.stateDirs) rmSync(dir, { recursive: true, force: true });
}

const TOKEN_REQUEST: LoadRequest = {
  path: '/oauth/token',
  body: 'grant_type=client_credentials',
  headers: () => ({
    'content-type': 'application/x-www-form-urlencoded',
    authorization: `Basic ${Buffer.from(`${BENCH_ROBOT.client_id}:${BENCH_ROBOT.client_secret}`).toString('base64')}`,
  }),
};

async function measure(running: Running, kind: Load, options: HttpBenchOptions, seconds: number): Promise<{ run: RunResult; cpuUs: number }> {
  const cpu = async () => (await Promise.all(running.instances.map((child) => child.ask('stats')))).reduce((sum, reply) => sum + reply.cpuMicros, 0);
  const before = await cpu();
  const run = await load(running.balancer.url, options, seconds, () => running.token, kind === 'token' ? TOKEN_REQUEST : undefined);
  const after = await cpu();
  return { run, cpuUs: run.requests > 0 ? (after - before) / run.requests : Number.NaN };
}

/**
 * Runs the several-instances benchmark and stops every process it started, whatever happens.
 *
 * @example
 * ```ts
 * printInstancesBench(await runInstancesBench({ connections: 10, durationSec: 3, rounds: 5, warmupSec: 1 }));
 * ```
 */
export async function runInstancesBench(options: HttpBenchOptions): Promise<InstancesBenchResult> {
  const loadBefore = loadavg();
  const layouts = hasRedisServer ? LAYOUTS : LAYOUTS.filter((layout) => layout.store === 'file');
  const redis = hasRedisServer ? await startRedisServer({ aof: true }) : undefined;
  const running: Running[] = [];
  const results = new Map<string, { run: RunResult; cpuUs: number }[]>();
  try {
    for (const [index, layout] of layouts.entries()) running.push(await startLayout(layout, redis, index));
    for (const layout of running) for (const kind of ['gated', 'token'] as const) await measure(layout, kind, options, options.warmupSec);
    for (let round = 0; round < options.rounds; round++) {
      const order = [...running.slice(round % running.length), ...running.slice(0, round % running.length)];
      for (const layout of order) {
        for (const kind of ['gated', 'token'] as const) {
          const key = `${layout.layout.name}/${kind}`;
          results.set(key, [...(results.get(key) ?? []), await measure(layout, kind, options, options.durationSec)]);
        }
      }
    }
  } finally {
    for (const layout of running) await stopLayout(layout);
    await redis?.close();
  }
  const rows = layouts.flatMap((layout) =>
    (['gated', 'token'] as const).map((kind): InstancesBenchRow => {
      const measured = results.get(`${layout.name}/${kind}`) ?? [];
      return {
        layout: layout.name,
        load: kind,
        requestsPerSec: median(measured.map((m) => m.run.requestsPerSec)),
        p50Ms: median(measured.map((m) => m.run.p50Ms)),
        rounds: measured.map((m) => m.run.requestsPerSec),
        failures: measured.reduce((sum, m) => sum + m.run.failures, 0),
        instanceCpuUs: median(measured.map((m) => m.cpuUs)),
      };
    }),
  );
  return { rows, loadBefore, loadAfter: loadavg(), ...(hasRedisServer ? {} : { skipped: 'redis-server is absent: the Redis rows were skipped (apt-get install -y redis-server)' }) };
}

const LOADS: Record<Load, string> = { gated: 'gated POST /mcp', token: 'POST /oauth/token (client_credentials)' };

/**
 * Prints the section: per kind of request, each layout's medians and its
 * ratio to one file-store instance, then the ratios that answer "what does
 * Redis cost" and "what does a second instance bring".
 *
 * @example
 * ```ts
 * printInstancesBench(result);
 * ```
 */
export function printInstancesBench(result: InstancesBenchResult, options: HttpBenchOptions): void {
  const fmtLoad = (values: number[]) => values.map((v) => v.toFixed(2)).join(' ');
  console.log(
    `\nSeveral instances: the authority and gate in front of a tiny handler, on the file store and on Redis (AOF on), one instance and two, ` +
      `every layout behind the same round-robin process (per request, keep-alive); ${options.connections} connections, ` +
      `${options.rounds} round(s) x ${options.durationSec}s per layout and request kind, the order rotating; medians over rounds. ` +
      `Gated: a signed-in user's access token on tools/call (the live-grant check reads the store at most every 5 s). ` +
      `Token: client_credentials of a configured client (HTTP Basic; the /token rate limit's bucket on every request).\n` +
      `Load average before ${fmtLoad(result.loadBefore)}, after ${fmtLoad(result.loadAfter)} (with few cores the second instance competes with the load generator and the balancer).\n`,
  );
  if (result.skipped) console.log(`NOTE: ${result.skipped}\n`);
  for (const kind of ['gated', 'token'] as const) {
    const rows = result.rows.filter((row) => row.load === kind);
    const base = rows[0]!;
    console.log(`${LOADS[kind]}:`);
    console.log(
      table(
        ['layout', 'req/s', 'vs file x1', 'p50 ms', 'instances CPU µs/req', 'req/s of each round'],
        rows.map((row) => [
          row.layout,
          formatNumber(row.requestsPerSec),
          `${formatNumber(row.requestsPerSec / base.requestsPerSec, 2)}x`,
          formatNumber(row.p50Ms, 2),
          formatNumber(row.instanceCpuUs, 0),
          row.rounds.map((v) => formatNumber(v)).join(', '),
        ]),
      ),
    );
    const of = (name: string) => rows.find((row) => row.layout === name)?.requestsPerSec;
    const ratio = (a: string, b: string) => (of(a) && of(b) ? `${formatNumber(of(a)! / of(b)!, 2)}x` : 'n/a');
    console.log(
      `  redis x1 / file x1: ${ratio('redis, 1 instance', 'file, 1 instance')}; redis x2 / redis x1: ${ratio('redis, 2 instances', 'redis, 1 instance')}; ` +
        `file x2 / file x1: ${ratio('file, 2 instances (one state dir)', 'file, 1 instance')}\n`,
    );
    for (const row of rows.filter((r) => r.failures > 0)) console.log(`WARNING: ${row.layout}, ${kind}: ${row.failures} non-2xx responses or errors; its figures are not valid`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
  const options = { connections: num('BENCH_CONNECTIONS', 10), durationSec: num('BENCH_DURATION', 3), rounds: num('BENCH_ROUNDS', 5), warmupSec: num('BENCH_WARMUP', 1) };
  runInstancesBench(options).then(
    (result) => printInstancesBench(result, options),
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
