/**
 * Requests per second through the same tiny JSON handler with no auth, with
 * the gate on a repeated token, with the gate on a fresh token per
 * request, and with no auth again (the noise floor). The servers run in a child process (bench/server.ts); autocannon
 * drives them from this one. Configurations alternate round by round, so
 * drift on a shared machine hits all of them alike; medians are reported.
 */
import { fork, type ChildProcess } from 'node:child_process';
import autocannon from 'autocannon';
import type { ServerCommand, ServerReady, ServerReply } from './server.js';
import { besideBench, childExecArgv, type LoadRow, median } from './stats.js';
import type { BenchTokens } from './tokens.js';

/** How the load is applied. */
export interface HttpBenchOptions {
  connections: number;
  /** Seconds per measured run. */
  durationSec: number;
  rounds: number;
  /** Seconds of unmeasured load per configuration before the first round. */
  warmupSec: number;
}

export type HttpConfigName = 'no auth' | 'gate, repeated token' | 'gate, fresh token each request' | 'no auth, again (noise floor)';

/** The medians of one configuration over every round. */
export interface HttpBenchRow extends LoadRow {
  name: HttpConfigName;
  /** The gate's verification-cache counters over the measured rounds (gated configurations only). */
  cache?: { hits: number; misses: number };
  /**
   * Server CPU µs per request (median over rounds): what a request costs the
   * server process whatever else the machine does, so it holds up better
   * than req/s when the load generator shares the cores.
   */
  serverCpuUs: number;
}

/** A JSON-RPC `tools/call`, as an MCP client sends it. */
const BODY = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'whoami', arguments: {} } });
const BASE_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

export interface Child {
  ready: ServerReady;
  ask(type: ServerCommand['type']): Promise<ServerReply>;
}

/** Starts a servers child (bench/server.ts, or another speaking its IPC commands) and waits for it to listen. */
export function startServers(issuer: string, script: URL = besideBench('./server'), args: string[] = []): Promise<Child & { process: ChildProcess }> {
  const child = fork(script, args, {
    env: { ...process.env, BENCH_ISSUER: issuer },
    execArgv: childExecArgv(),
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let nextId = 1;
  const pending = new Map<number, (reply: ServerReply) => void>();
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`bench server exited with code ${code} before it was ready`)));
    child.on('message', function onMessage(message: ServerReady | ServerReply) {
      if ('type' in message) {
        resolve({
          process: child,
          ready: message,
          ask(type) {
            const id = nextId++;
            return new Promise((answer) => {
              pending.set(id, answer);
              child.send({ id, type } satisfies ServerCommand);
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

/**
 * Stops a servers child: asks it to close (it exits once its servers have,
 * writing its CPU profile when BENCH_PROFILE_DIR is set), and kills it only
 * if it has not exited a few seconds later.
 */
export async function stopChild(child: ChildProcess, askClose: () => Promise<unknown>, exited: Promise<void>): Promise<void> {
  if (child.connected) await Promise.race([askClose(), exited]);
  await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000).unref())]);
  if (child.exitCode === null && child.signalCode === null) child.kill();
  await exited;
}

/** One measured run: autocannon's figures plus latencies at sub-millisecond resolution. */
export interface RunResult {
  /** 2xx responses in the run. */
  requests: number;
  requestsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  failures: number;
}

/** autocannon's own histogram keeps whole milliseconds; loopback latencies need finer. */
function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** What {@link load} sends: by default a `tools/call` to `/mcp` with `Authorization: Bearer <token()>`. */
export interface LoadRequest {
  path: string;
  /** The same body on every request, or one made per request (e.g. a single-use refresh token in each). */
  body: string | (() => string);
  /** Every header, `authorization` included. */
  headers: () => Record<string, string>;
}

export function load(url: string, options: HttpBenchOptions, durationSec: number, token: () => string, request?: LoadRequest): Promise<RunResult> {
  const latencies: number[] = [];
  const sent = request ?? { path: '/mcp', body: BODY, headers: () => ({ ...BASE_HEADERS, authorization: `Bearer ${token()}` }) };
  const perRequestBody = typeof sent.body === 'function' ? sent.body : undefined;
  const body = typeof sent.body === 'string' ? sent.body : undefined;
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: `${url}${sent.path}`,
        connections: options.connections,
        duration: durationSec,
        method: 'POST',
        body,
        headers: request ? sent.headers() : BASE_HEADERS,
        requests: [
          {
            method: 'POST',
            body,
            // autocannon builds each request from this object (Content-Length included), so a body made here is sent as is.
            setupRequest: (req) => ({ ...req, headers: sent.headers(), ...(perRequestBody ? { body: perRequestBody() } : {}) }),
          },
        ],
      },
      function finished(err: unknown, result: autocannon.Result) {
        if (err) return reject(err instanceof Error ? err : new Error(String(err)));
        const sorted = Float64Array.from(latencies).sort();
        resolve({
          requests: latencies.length,
          requestsPerSec: result.requests.average,
          p50Ms: percentile(sorted, 50),
          p99Ms: percentile(sorted, 99),
          failures: result.non2xx + result.errors,
        });
      },
    );
    instance.on('response', function record(_client, statusCode, _bytes, responseTime) {
      if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
    });
  });
}

/**
 * Runs the HTTP benchmark and closes its servers, whatever happens.
 *
 * @example
 * ```ts
 * const rows = await runHttpBench(tokens, { connections: 10, durationSec: 3, rounds: 5, warmupSec: 1 });
 * ```
 */
export async function runHttpBench(tokens: BenchTokens, options: HttpBenchOptions): Promise<HttpBenchRow[]> {
  const child = await startServers(tokens.issuer.issuer);
  const exited = new Promise<void>((resolve) => child.process.once('exit', () => resolve()));
  try {
    let cursor = 0;
    const fresh = () => tokens.fresh[cursor++ % tokens.fresh.length]!;
    const repeated = () => tokens.repeated;
    const configs: { name: HttpConfigName; url: string; token: () => string }[] = [
      { name: 'no auth', url: child.ready.plainUrl, token: repeated },
      { name: 'gate, repeated token', url: child.ready.gatedUrl, token: repeated },
      { name: 'gate, fresh token each request', url: child.ready.gatedUrl, token: fresh },
      // The first server again: its ratio to itself is what noise alone does.
      { name: 'no auth, again (noise floor)', url: child.ready.plainUrl, token: repeated },
    ];
    const results = new Map<HttpConfigName, RunResult[]>(configs.map((c) => [c.name, []]));
    const cache = new Map<HttpConfigName, { hits: number; misses: number }>();
    const cpu = new Map<HttpConfigName, number[]>(configs.map((c) => [c.name, []]));

    for (const config of configs) await load(config.url, options, options.warmupSec, config.token);

    for (let round = 0; round < options.rounds; round++) {
      // Rotate the order each round so no configuration always runs first, or last.
      const order = configs.map((_, i) => configs[(i + round) % configs.length]!);
      for (const config of order) {
        // Fresh tokens must be cache misses: forget what earlier runs verified.
        const before = await child.ask(config.name === 'gate, fresh token each request' ? 'clear' : 'stats');
        const run = await load(config.url, options, options.durationSec, config.token);
        results.get(config.name)!.push(run);
        const after = await child.ask('stats');
        if (run.requests > 0) cpu.get(config.name)!.push((after.cpuMicros - before.cpuMicros) / run.requests);
        if (config.url === child.ready.gatedUrl) {
          const total = cache.get(config.name) ?? { hits: 0, misses: 0 };
          cache.set(config.name, { hits: total.hits + after.hits - before.hits, misses: total.misses + after.misses - before.misses });
        }
      }
    }

    return configs.map(function summarise({ name }): HttpBenchRow {
      const runs = results.get(name)!;
      return {
        name,
        requestsPerSec: median(runs.map((r) => r.requestsPerSec)),
        p50Ms: median(runs.map((r) => r.p50Ms)),
        p99Ms: median(runs.map((r) => r.p99Ms)),
        rounds: runs.map((r) => r.requestsPerSec),
        failures: runs.reduce((sum, r) => sum + r.failures, 0),
        serverCpuUs: median(cpu.get(name)!),
        ...(cache.has(name) ? { cache: cache.get(name)! } : {}),
      };
    });
  } finally {
    await stopChild(child.process, () => child.ask('close'), exited);
  }
}
