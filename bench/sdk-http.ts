/**
 * What the gate costs a real MCP server: the same app serving a `tools/call`
 * through an official SDK (a fresh server per request), with no auth and
 * with Gatehouse's adapter on a repeated token, and the no-auth app measured
 * twice so its ratio to itself shows the noise floor. Three stacks, each in
 * a child of its own (bench/sdk-server.ts): SDK v1 on Express, SDK v2 on its
 * Express app, SDK v2 on its Hono app. Configurations rotate round by round;
 * medians are reported, with server CPU per request.
 */
import { load, startServers, stopChild, type HttpBenchOptions, type RunResult } from './http.js';
import { SDK_STACKS, type SdkStack } from './server-commands.js';
import { besideBench, formatNumber, type LoadRow, median, table } from './stats.js';
import type { BenchTokens } from './tokens.js';

type SdkConfigName = 'no auth' | 'no auth, again (noise floor)' | 'gated, repeated token';

export interface SdkBenchRow extends LoadRow {
  stack: SdkStack;
  name: SdkConfigName;
  serverCpuUs: number;
}

/**
 * Runs the real-server comparison and stops its servers, whatever happens.
 *
 * @example
 * ```ts
 * printSdkBench(await runSdkBench(tokens, { connections: 10, durationSec: 3, rounds: 5, warmupSec: 1 }));
 * ```
 */
export async function runSdkBench(tokens: BenchTokens, options: HttpBenchOptions): Promise<SdkBenchRow[]> {
  const chosen = (process.env.BENCH_SDK_STACKS ?? SDK_STACKS.join(',')).split(',').filter((s): s is SdkStack => (SDK_STACKS as readonly string[]).includes(s));
  const rows: SdkBenchRow[] = [];
  for (const stack of chosen) rows.push(...(await benchStack(stack, tokens, options)));
  return rows;
}

async function benchStack(stack: SdkStack, tokens: BenchTokens, options: HttpBenchOptions): Promise<SdkBenchRow[]> {
  const child = await startServers(tokens.issuer.issuer, besideBench('./sdk-server'), [stack]);
  const exited = new Promise<void>((resolve) => child.process.once('exit', () => resolve()));
  try {
    const token = () => tokens.repeated;
    const configs: { name: SdkConfigName; url: string }[] = [
      { name: 'no auth', url: child.ready.plainUrl },
      { name: 'gated, repeated token', url: child.ready.gatedUrl },
      { name: 'no auth, again (noise floor)', url: child.ready.plainUrl },
    ];
    const runs = new Map<SdkConfigName, RunResult[]>(configs.map((c) => [c.name, []]));
    const cpu = new Map<SdkConfigName, number[]>(configs.map((c) => [c.name, []]));
    for (const config of configs) await load(config.url, options, options.warmupSec, token);
    for (let round = 0; round < options.rounds; round++) {
      const order = configs.map((_, i) => configs[(i + round) % configs.length]!);
      for (const config of order) {
        const before = await child.ask('stats');
        const run = await load(config.url, options, options.durationSec, token);
        const after = await child.ask('stats');
        runs.get(config.name)!.push(run);
        if (run.requests > 0) cpu.get(config.name)!.push((after.cpuMicros - before.cpuMicros) / run.requests);
      }
    }
    return configs.map(({ name }) => {
      const results = runs.get(name)!;
      return {
        stack,
        name,
        requestsPerSec: median(results.map((r) => r.requestsPerSec)),
        p50Ms: median(results.map((r) => r.p50Ms)),
        p99Ms: median(results.map((r) => r.p99Ms)),
        rounds: results.map((r) => r.requestsPerSec),
        failures: results.reduce((sum, r) => sum + r.failures, 0),
        serverCpuUs: median(cpu.get(name)!),
      };
    });
  } finally {
    await stopChild(child.process, () => child.ask('close'), exited);
  }
}

const GUARD: Record<SdkStack, string> = { 'v1-express': 'gatehouseExpress', 'v2-express': 'gatehouseExpress', 'v2-hono': 'gatehouseHono' };

/**
 * Prints the real-server table: req/s and server CPU per request, each as a
 * ratio to no auth on the same stack, and whether the aim (>= 0.97x) was met.
 *
 * @example
 * ```ts
 * printSdkBench(rows);
 * ```
 */
export function printSdkBench(rows: SdkBenchRow[]): void {
  console.log(
    '\nA real MCP server: an official SDK (a fresh server per request), tools/call, with and without the gate, per stack ' +
      '(v1-express: SDK v1 on Express; v2-express: SDK v2 on createMcpExpressApp; v2-hono: SDK v2 on createMcpHonoApp); medians of rounds.\n',
  );
  console.log(
    table(
      ['stack', 'server', 'req/s', 'vs no auth', 'p50 ms', 'p99 ms', 'server CPU µs/req', 'CPU vs no auth'],
      rows.map((r) => {
        const base = rows.find((b) => b.stack === r.stack && b.name === 'no auth')!;
        return [
          r.stack,
          r.name === 'gated, repeated token' ? `${GUARD[r.stack]}, repeated token` : r.name,
          formatNumber(r.requestsPerSec),
          `${formatNumber(r.requestsPerSec / base.requestsPerSec, 3)}x`,
          formatNumber(r.p50Ms, 2),
          formatNumber(r.p99Ms, 2),
          formatNumber(r.serverCpuUs, 1),
          `${formatNumber(base.serverCpuUs / r.serverCpuUs, 3)}x`,
        ];
      }),
    ),
  );
  console.log('\nreq/s of each round:');
  for (const r of rows) console.log(`  ${`${r.stack}, ${r.name}`.padEnd(42)} ${r.rounds.map((v) => formatNumber(v)).join(', ')}`);
  for (const r of rows.filter((row) => row.failures > 0)) console.log(`WARNING: ${r.stack}, ${r.name}: ${r.failures} non-2xx responses or errors; its figures are not valid`);
  for (const stack of SDK_STACKS) {
    const base = rows.find((r) => r.stack === stack && r.name === 'no auth');
    const gated = rows.find((r) => r.stack === stack && r.name === 'gated, repeated token');
    const floor = rows.find((r) => r.stack === stack && r.name === 'no auth, again (noise floor)');
    if (!base || !gated || !floor) continue;
    const ratio = gated.requestsPerSec / base.requestsPerSec;
    const cpuRatio = base.serverCpuUs / gated.serverCpuUs;
    console.log(
      `${stack}: the gate keeps ${formatNumber(ratio, 3)}x of the server's req/s (noise floor ${formatNumber(floor.requestsPerSec / base.requestsPerSec, 3)}x) and ` +
        `${formatNumber(cpuRatio, 3)}x by server CPU per request (+${formatNumber(gated.serverCpuUs - base.serverCpuUs, 1)} µs; noise floor ${formatNumber(base.serverCpuUs / floor.serverCpuUs, 3)}x); ` +
        `aim >= 0.97x: ${ratio >= 0.97 ? 'met' : 'not met'} by req/s, ${cpuRatio >= 0.97 ? 'met' : 'not met'} by CPU on this run.`,
    );
  }
}
