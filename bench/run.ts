/**
 * `npm run bench`: what the gate costs, in one run, on loopback only.
 *
 *   1. HTTP: requests/s, p50 and p99 latency of one tiny JSON handler with no
 *      auth, behind the gate with a repeated token, and behind the gate with
 *      a fresh token on every request.
 *   2. Verification: µs per call of the gate's verifier (cache miss and hit;
 *      per algorithm, RS256, ES256, EdDSA, beside a bare crypto.verify)
 *      next to a bare `jose` `jwtVerify`.
 *   3. A real MCP server (Express + the SDK) with and without `gatehouseExpress`,
 *      and with no auth twice: the noise floor (sdk-http.ts).
 *   (Then the proxy, the authority's token endpoint next to bare
 *   oidc-provider (token-endpoint.ts), token exchange, several instances on the file store
 *   and on Redis (instances.ts), and on Linux the memory a flood of
 *   token-less 4 MiB POSTs costs: body-flood.ts.)
 *
 * `npm run bench -- soak` runs the soak instead (bench/soak.ts, also
 * `npm run soak`): minutes of mixed load against `gatehouse demo`.
 *
 * Tunables (env): BENCH_CONNECTIONS (10), BENCH_DURATION seconds per run (3),
 * BENCH_ROUNDS (5), BENCH_WARMUP seconds (1), BENCH_TOKENS (20000),
 * BENCH_VERIFY_ITERATIONS (2000), BENCH_VERIFY_BATCHES (5).
 */
import { cpus, loadavg, release, type } from 'node:os';
import { printBodyFlood, runBodyFlood } from './body-flood.js';
import { printDemoStart, runDemoStart } from './demo-start.js';
import { printExchangeBench, runExchangeBench } from './exchange.js';
import { printInstancesBench, runInstancesBench } from './instances.js';
import { runHttpBench, type HttpBenchRow } from './http.js';
import { printProxyBench, runProxyBench } from './proxy.js';
import { printSdkBench, runSdkBench } from './sdk-http.js';
import { printTokenBench, runTokenBench } from './token-endpoint.js';
import { formatNumber, table } from './stats.js';
import { prepareTokens } from './tokens.js';
import { runVerifyBench, type VerifyBenchRow } from './verify.js';

function intFromEnv(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new Error(`${name}="${raw}" must be an integer >= ${min}`);
  return value;
}

const settings = {
  connections: intFromEnv('BENCH_CONNECTIONS', 10, 1),
  durationSec: intFromEnv('BENCH_DURATION', 3, 1),
  rounds: intFromEnv('BENCH_ROUNDS', 5, 1),
  warmupSec: intFromEnv('BENCH_WARMUP', 1, 1),
  tokens: intFromEnv('BENCH_TOKENS', 20_000, 100),
  iterations: intFromEnv('BENCH_VERIFY_ITERATIONS', 2000, 10),
  batches: intFromEnv('BENCH_VERIFY_BATCHES', 5, 1),
};

/** The sections to run: `BENCH_ONLY=proxy,sdk` runs those alone (while working on one); unset runs every one. */
const SECTIONS = ['verify', 'http', 'sdk', 'proxy', 'token', 'exchange', 'demo', 'flood', 'instances'] as const;
type Section = (typeof SECTIONS)[number];
const only = (process.env.BENCH_ONLY ?? '').split(',').map((s) => s.trim()).filter(Boolean);
for (const name of only) if (!SECTIONS.includes(name as Section)) throw new Error(`BENCH_ONLY: unknown section "${name}" (one of ${SECTIONS.join(', ')})`);
const runs = (section: Section) => only.length === 0 || only.includes(section);

function cacheText(cache: { hits: number; misses: number } | undefined): string {
  return cache ? `${formatNumber(cache.hits)} / ${formatNumber(cache.misses)}` : '-';
}

function printHttp(rows: HttpBenchRow[]): void {
  const base = rows.find((r) => r.name === 'no auth')!;
  console.log(
    `\nHTTP: POST /mcp (JSON-RPC tools/call), ${settings.connections} connections, ${settings.rounds} round(s) x ${settings.durationSec}s ` +
      'per configuration, alternating; medians over rounds. Servers in a child process, autocannon in this one.\n',
  );
  console.log(
    table(
      ['configuration', 'req/s', 'vs no auth', 'p50 ms', 'p99 ms', 'server CPU µs/req', 'cache hits / misses'],
      rows.map((r) => [
        r.name,
        formatNumber(r.requestsPerSec),
        `${formatNumber((r.requestsPerSec / base.requestsPerSec) * 100, 1)}%`,
        formatNumber(r.p50Ms, 2),
        formatNumber(r.p99Ms, 2),
        `${formatNumber(r.serverCpuUs, 1)} (${formatNumber(r.serverCpuUs / base.serverCpuUs, 2)}x)`,
        cacheText(r.cache),
      ]),
    ),
  );
  console.log('\nreq/s of each round:');
  for (const r of rows) console.log(`  ${r.name.padEnd(31)} ${r.rounds.map((v) => formatNumber(v)).join(', ')}`);
  const failures = rows.filter((r) => r.failures > 0);
  for (const r of failures) console.log(`WARNING: ${r.name}: ${r.failures} non-2xx responses or errors; its figures are not valid`);
  const fresh = rows.find((r) => r.name === 'gate, fresh token each request')!;
  if (fresh.cache && fresh.cache.hits > 0) {
    console.log(`WARNING: the fresh-token runs outran the ${formatNumber(settings.tokens)} pre-minted tokens and reused some (cache hits); raise BENCH_TOKENS`);
  }
  const repeated = rows.find((r) => r.name === 'gate, repeated token')!;
  const floor = rows.find((r) => r.name === 'no auth, again (noise floor)')!;
  const ratio = repeated.requestsPerSec / base.requestsPerSec;
  console.log(
    `\nRepeated-token throughput is ${formatNumber(ratio * 100, 1)}% of no-auth ` +
      `(noise floor: no auth against itself ${formatNumber((floor.requestsPerSec / base.requestsPerSec) * 100, 1)}%, ` +
      `${formatNumber(base.serverCpuUs / floor.serverCpuUs, 3)}x by CPU) ` +
      `(aim: within 5%, i.e. >= 95%): ${ratio >= 0.95 ? 'met' : 'not met'} on this run.`,
  );
}

function printVerify(rows: VerifyBenchRow[]): void {
  const jose = rows.find((r) => r.name.startsWith('jose'))!;
  console.log(`\nVerification: µs per call, ${settings.batches} batches x ${formatNumber(settings.iterations)} sequential calls; median batch.\n`);
  console.log(
    table(
      ['verifier', 'µs/call', 'vs jose', 'CPU µs/call', 'CPU vs jose', 'batch range µs', 'cache hits / misses'],
      rows.map((r) => [
        r.name,
        formatNumber(r.microsPerOp, 1),
        `${formatNumber(r.microsPerOp / jose.microsPerOp, 2)}x`,
        formatNumber(r.cpuMicrosPerOp, 1),
        `${formatNumber(r.cpuMicrosPerOp / jose.cpuMicrosPerOp, 2)}x`,
        `${formatNumber(Math.min(...r.batches), 1)}-${formatNumber(Math.max(...r.batches), 1)}`,
        cacheText(r.cache),
      ]),
    ),
  );
}

async function main(): Promise<void> {
  const cpu = cpus();
  console.log('Gatehouse benchmark');
  console.log(
    `  ${type()} ${release()}, ${cpu.length} x ${cpu[0]?.model.trim() ?? 'unknown CPU'}, Node ${process.version}, ` +
      `load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`,
  );
  const started = performance.now();
  const tokens = await prepareTokens(settings.tokens);
  console.log(`  ${formatNumber(tokens.fresh.length)} RS256 tokens minted beforehand in ${formatNumber((performance.now() - started) / 1000, 1)}s (not measured)`);
  try {
    if (runs('verify')) printVerify(await runVerifyBench(tokens, { iterations: settings.iterations, batches: settings.batches }));
    if (runs('http')) printHttp(await runHttpBench(tokens, settings));
    if (runs('sdk')) printSdkBench(await runSdkBench(tokens, settings));
    if (runs('proxy')) printProxyBench(await runProxyBench(tokens, settings), settings);
  } finally {
    await tokens.issuer.close();
  }
  if (runs('token')) printTokenBench(await runTokenBench(settings), settings);
  if (runs('exchange')) printExchangeBench(await runExchangeBench());
  if (runs('demo') && process.platform === 'linux') printDemoStart(await runDemoStart());
  if (runs('flood') && process.platform === 'linux') printBodyFlood(await runBodyFlood());
  if (runs('instances')) printInstancesBench(await runInstancesBench(settings), settings);
  console.log(`\nDone in ${formatNumber((performance.now() - started) / 1000, 0)}s; load average now ${loadavg().map((l) => l.toFixed(2)).join(' ')}.`);
}

// `npm run bench -- soak`: the soak run alone (bench/soak.ts), not the benchmarks.
const run = process.argv[2] === 'soak' ? () => import('./soak.js').then(() => undefined) : main;
run().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
