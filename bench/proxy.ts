/**
 * What `gatehouse proxy --upstream` costs: requests per second and latency
 * of a tiny JSON-RPC upstream called directly and through the proxy (gate
 * with a repeated valid token, identity assertion, streaming relay). The
 * upstream and the proxy run in child processes of their own
 * (bench/proxy-server.ts); autocannon drives them from this one. Rounds
 * alternate the two configurations; medians are reported.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { load, stopChild, type HttpBenchOptions, type RunResult } from './http.js';
import type { ProxyServerCommand, ProxyServerReady, ProxyServerReply } from './proxy-server.js';
import { besideBench, childExecArgv, formatNumber, type LoadRow, median, table } from './stats.js';
import type { BenchTokens } from './tokens.js';

/** Issue 14's aims: proxied throughput as a share of direct, per upstream, and the proxy's CPU per request. */
const PROXY_AIMS: Record<UpstreamKind, number> = { tiny: 0.5, sdk: 0.9 };
const PROXY_CPU_AIM_US = 60;

export type ProxyConfigName = 'direct' | 'through gatehouse proxy' | 'bare node:http relay (floor)' | 'bare undici Pool relay (floor)';

/** The upstreams measured: a tiny JSON-RPC responder (the proxy's whole cost shows) and an MCP server built with the official SDK. */
export type UpstreamKind = 'tiny' | 'sdk';

/** The medians of one configuration over every round. */
export interface ProxyBenchRow extends LoadRow {
  upstream: UpstreamKind;
  name: ProxyConfigName;
  /** CPU µs per request of the upstream process, and of the proxy process (proxied only). */
  upstreamCpuUs: number;
  proxyCpuUs?: number;
}

/** A server child of the benchmark, as proxy-server.ts and instance-server.ts run them. */
export interface Child {
  process: ChildProcess;
  url: string;
  ask(type: ProxyServerCommand['type'], fields?: Omit<ProxyServerCommand, 'id' | 'type'>): Promise<ProxyServerReply>;
}

/** Forks `script` (default proxy-server.ts) with `args` and resolves once it says it listens. */
export function startChild(args: string[], env: NodeJS.ProcessEnv = process.env, script = besideBench('./proxy-server')): Promise<Child> {
  const child = fork(script, args, { env, execArgv: childExecArgv(), stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let nextId = 1;
  const pending = new Map<number, (reply: ProxyServerReply) => void>();
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`bench proxy child (${args[0]}) exited with code ${code} before it was ready`)));
    child.on('message', function onMessage(message: ProxyServerReady | ProxyServerReply) {
      if ('type' in message) {
        resolve({
          process: child,
          url: message.url,
          ask(type, fields) {
            const id = nextId++;
            return new Promise((answer) => {
              pending.set(id, answer);
              child.send({ ...fields, id, type } satisfies ProxyServerCommand);
            });
          },
        });
        return;
      }
      pending.get(message.id)?.(message);
      pending.delete(message.id);
    });
  });
}

/** Asks a child to close, then waits for it to exit. */
export async function stop(child: Child | undefined): Promise<void> {
  if (!child) return;
  const exited = new Promise<void>((resolve) => child.process.once('exit', () => resolve()));
  await stopChild(child.process, () => child.ask('close'), exited);
}

/**
 * Runs the proxy benchmark and stops its processes, whatever happens.
 *
 * @example
 * ```ts
 * const rows = await runProxyBench(tokens, { connections: 10, durationSec: 3, rounds: 5, warmupSec: 1 });
 * ```
 */
export async function runProxyBench(tokens: BenchTokens, options: HttpBenchOptions): Promise<ProxyBenchRow[]> {
  const kinds = (process.env.BENCH_PROXY_UPSTREAMS ?? 'tiny,sdk').split(',').filter((k): k is UpstreamKind => k === 'tiny' || k === 'sdk');
  const rows: ProxyBenchRow[] = [];
  for (const kind of kinds) rows.push(...(await benchUpstream(kind, tokens, options)));
  return rows;
}

async function benchUpstream(kind: UpstreamKind, tokens: BenchTokens, options: HttpBenchOptions): Promise<ProxyBenchRow[]> {
  let upstream: Child | undefined;
  let proxy: Child | undefined;
  let relay: Child | undefined;
  let undiciRelay: Child | undefined;
  try {
    upstream = await startChild([kind]);
    proxy = await startChild(['proxy', upstream.url], { ...process.env, BENCH_ISSUER: tokens.issuer.issuer });
    relay = await startChild(['relay', upstream.url]);
    undiciRelay = await startChild(['undici-relay', upstream.url]);
    const token = () => tokens.repeated;
    const configs: { name: ProxyConfigName; url: string; relay: Child | undefined }[] = [
      { name: 'direct', url: upstream.url, relay: undefined },
      { name: 'through gatehouse proxy', url: proxy.url, relay: proxy },
      { name: 'bare node:http relay (floor)', url: relay.url, relay },
      { name: 'bare undici Pool relay (floor)', url: undiciRelay.url, relay: undiciRelay },
    ];
    const runs = new Map<ProxyConfigName, RunResult[]>(configs.map((c) => [c.name, []]));
    const cpu = new Map<string, number[]>();
    const addCpu = (key: string, value: number) => void cpu.set(key, [...(cpu.get(key) ?? []), value]);

    for (const config of configs) await load(config.url, options, options.warmupSec, token);
    for (let round = 0; round < options.rounds; round++) {
      const order = configs.map((_, i) => configs[(i + round) % configs.length]!);
      for (const config of order) {
        const [upBefore, proxyBefore] = await Promise.all([upstream.ask('stats'), config.relay?.ask('stats')]);
        const run = await load(config.url, options, options.durationSec, token);
        const [upAfter, proxyAfter] = await Promise.all([upstream.ask('stats'), config.relay?.ask('stats')]);
        runs.get(config.name)!.push(run);
        if (run.requests === 0) continue;
        addCpu(`${config.name}/upstream`, (upAfter.cpuMicros - upBefore.cpuMicros) / run.requests);
        if (proxyBefore && proxyAfter) addCpu(`${config.name}/proxy`, (proxyAfter.cpuMicros - proxyBefore.cpuMicros) / run.requests);
      }
    }
    return configs.map(function summarise({ name }): ProxyBenchRow {
      const measured = runs.get(name)!;
      const proxyCpu = cpu.get(`${name}/proxy`);
      return {
        upstream: kind,
        name,
        requestsPerSec: median(measured.map((r) => r.requestsPerSec)),
        p50Ms: median(measured.map((r) => r.p50Ms)),
        p99Ms: median(measured.map((r) => r.p99Ms)),
        rounds: measured.map((r) => r.requestsPerSec),
        failures: measured.reduce((sum, r) => sum + r.failures, 0),
        upstreamCpuUs: median(cpu.get(`${name}/upstream`) ?? []),
        ...(proxyCpu ? { proxyCpuUs: median(proxyCpu) } : {}),
      };
    });
  } finally {
    await Promise.all([stop(proxy), stop(relay), stop(undiciRelay), stop(upstream)]);
  }
}

/**
 * Prints the proxy benchmark's table, the latency the proxy adds, and
 * whether the aims (issue 14: 0.5x of direct on the tiny upstream, 0.9x on the SDK one, <= 60 µs of proxy CPU per request) were met on this run,
 * for each upstream.
 *
 * @example
 * ```ts
 * printProxyBench(await runProxyBench(tokens, settings), settings);
 * ```
 */
export function printProxyBench(rows: ProxyBenchRow[], options: HttpBenchOptions): void {
  console.log(
    '\nProxy: POST /mcp (JSON-RPC tools/call) to an upstream MCP server, directly and through `gatehouse proxy --upstream` ' +
      `(resource-server mode, repeated valid token), ${options.connections} connections, ${options.rounds} round(s) x ${options.durationSec}s, ` +
      'alternating; medians over rounds. Upstream and proxy each in a child process, autocannon in this one. Upstreams: ' +
      '"tiny" answers from a few lines of node:http (the worst case: all the proxy costs shows); "sdk" is an MCP server ' +
      'built with the official SDK (stateless Streamable HTTP, JSON answers), as most servers are.\n',
  );
  console.log(
    table(
      ['upstream', 'configuration', 'req/s', 'vs direct', 'p50 ms', 'p99 ms', 'upstream CPU µs/req', 'proxy CPU µs/req'],
      rows.map((r) => {
        const direct = rows.find((d) => d.upstream === r.upstream && d.name === 'direct')!;
        return [
          r.upstream,
          r.name,
          formatNumber(r.requestsPerSec),
          `${formatNumber((r.requestsPerSec / direct.requestsPerSec) * 100, 1)}%`,
          formatNumber(r.p50Ms, 2),
          formatNumber(r.p99Ms, 2),
          formatNumber(r.upstreamCpuUs, 0),
          r.proxyCpuUs === undefined ? '-' : formatNumber(r.proxyCpuUs, 0),
        ];
      }),
    ),
  );
  console.log('\nreq/s of each round:');
  for (const r of rows) console.log(`  ${`${r.upstream}, ${r.name}`.padEnd(40)} ${r.rounds.map((v) => formatNumber(v)).join(', ')}`);
  for (const r of rows.filter((row) => row.failures > 0)) console.log(`WARNING: ${r.upstream}, ${r.name}: ${r.failures} non-2xx responses or errors; its figures are not valid`);
  for (const kind of ['tiny', 'sdk'] as const) {
    const direct = rows.find((r) => r.upstream === kind && r.name === 'direct');
    const proxied = rows.find((r) => r.upstream === kind && r.name === 'through gatehouse proxy');
    const floor = rows.find((r) => r.upstream === kind && r.name === 'bare node:http relay (floor)');
    const undiciFloor = rows.find((r) => r.upstream === kind && r.name === 'bare undici Pool relay (floor)');
    if (!direct || !proxied) continue;
    const aim = PROXY_AIMS[kind];
    const ratio = proxied.requestsPerSec / direct.requestsPerSec;
    // When every process shares the same cores, throughput follows CPU per request; unlike req/s this holds up on a busy machine.
    const cpuRatio = direct.upstreamCpuUs / (proxied.upstreamCpuUs + (proxied.proxyCpuUs ?? 0));
    const proxyCpu = proxied.proxyCpuUs ?? Number.NaN;
    console.log(
      `\n${kind}: the proxy adds p50 +${formatNumber(proxied.p50Ms - direct.p50Ms, 2)} ms, p99 +${formatNumber(proxied.p99Ms - direct.p99Ms, 2)} ms; ` +
        `proxied throughput is ${formatNumber(ratio, 3)}x of direct (aim: >= ${aim}x): ${ratio >= aim ? 'met' : 'not met'} on this run` +
        (floor ? `; the bare node:http relay reaches ${formatNumber(floor.requestsPerSec / direct.requestsPerSec, 3)}x` : '') +
        (undiciFloor ? `, the bare undici Pool relay ${formatNumber(undiciFloor.requestsPerSec / direct.requestsPerSec, 3)}x (${formatNumber(undiciFloor.proxyCpuUs ?? Number.NaN, 0)} µs CPU/req). ` : '. ') +
        `CPU per request: ${formatNumber(direct.upstreamCpuUs)} µs direct, ${formatNumber(proxied.upstreamCpuUs + (proxied.proxyCpuUs ?? 0))} µs proxied ` +
        `(upstream + proxy), so ${formatNumber(cpuRatio, 3)}x of direct where CPU is the limit. ` +
        `Proxy CPU ${formatNumber(proxyCpu, 0)} µs/request (aim: <= ${PROXY_CPU_AIM_US} µs): ${proxyCpu <= PROXY_CPU_AIM_US ? 'met' : 'not met'}` +
        (floor?.proxyCpuUs === undefined ? '.' : `; the bare relay's own is ${formatNumber(floor.proxyCpuUs, 0)} µs, so Gatehouse's share is ${formatNumber(proxyCpu - floor.proxyCpuUs, 0)} µs.`),
    );
  }
}
