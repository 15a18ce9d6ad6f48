/**
 * What the gate costs a real MCP server: the same Express app serving a
 * `tools/call` through the official SDK (a fresh `McpServer` per request),
 * with no auth and with `gatehouseExpress` on a repeated token, and the
 * no-auth app measured twice so its ratio to itself shows the noise floor.
 * The servers run in a child (bench/sdk-server.ts); configurations rotate
 * round by round; medians are reported, with server CPU per request.
 */
import { load, startServers, stopChild, type HttpBenchOptions, type RunResult } from './http.js';
import { formatNumber, median, table } from './stats.js';
import type { BenchTokens } from './tokens.js';

type SdkConfigName = 'no auth' | 'no auth, again (noise floor)' | 'gatehouseExpress, repeated token';

export interface SdkBenchRow {
  name: SdkConfigName;
  requestsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  rounds: number[];
  failures: number;
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
  const child = await startServers(tokens.issuer.issuer, new URL('./sdk-server.ts', import.meta.url));
  const exited = new Promise<void>((resolve) => child.process.once('exit', () => resolve()));
  try {
    const token = () => tokens.repeated;
    const configs: { name: SdkConfigName; url: string }[] = [
      { name: 'no auth', url: child.ready.plainUrl },
      { name: 'gatehouseExpress, repeated token', url: child.ready.gatedUrl },
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

/**
 * Prints the real-server table: req/s and server CPU per request, each as a ratio to no auth.
 *
 * @example
 * ```ts
 * printSdkBench(rows);
 * ```
 */
export function printSdkBench(rows: SdkBenchRow[]): void {
  const base = rows.find((r) => r.name === 'no auth')!;
  console.log('\nA real MCP server: Express + the SDK (v1, a fresh McpServer per request), tools/call, with and without the gate; medians of rounds.\n');
  console.log(
    table(
      ['server', 'req/s', 'vs no auth', 'p50 ms', 'p99 ms', 'server CPU µs/req', 'CPU vs no auth'],
      rows.map((r) => [
        r.name,
        formatNumber(r.requestsPerSec),
        `${formatNumber(r.requestsPerSec / base.requestsPerSec, 3)}x`,
        formatNumber(r.p50Ms, 2),
        formatNumber(r.p99Ms, 2),
        formatNumber(r.serverCpuUs, 1),
        `${formatNumber(r.serverCpuUs / base.serverCpuUs, 3)}x`,
      ]),
    ),
  );
  for (const r of rows.filter((row) => row.failures > 0)) console.log(`WARNING: ${r.name}: ${r.failures} non-2xx responses or errors; its figures are not valid`);
  const gated = rows.find((r) => r.name === 'gatehouseExpress, repeated token')!;
  const ratio = gated.requestsPerSec / base.requestsPerSec;
  console.log(`\nThe gate keeps ${formatNumber(ratio * 100, 1)}% of the real server's throughput (aim: >= 97%): ${ratio >= 0.97 ? 'met' : 'not met'} on this run.`);
}
