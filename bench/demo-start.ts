/**
 * How fast `gatehouse demo` starts and how much memory it holds (issue 14's
 * aims: ready within 1.5 s, at most 120 MB RSS). Spawns the built CLI
 * (`node dist/cli/main.js demo`, as `npm start` runs it) on a free loopback
 * port, polls `/readyz` every 10 ms, and reads the child's VmRSS once it
 * answers 200 and again after a second of rest. A cold start uses a new state
 * directory (keys are generated); a warm one reuses it. The reference row is
 * a bare `node -e` HTTP server: what starting Node at all costs here.
 * Also runnable alone: `npm run build && node --import tsx bench/demo-start.ts`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { freePort, statusMiB } from './body-flood.js';
import { formatNumber, median, table } from './stats.js';

const CLI = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const ROUNDS = Number(process.env.BENCH_DEMO_ROUNDS ?? 3);
const AIM_MS = 1500;
const AIM_MB = 120;

type StartKind = 'gatehouse demo, cold (new state dir)' | 'gatehouse demo, warm (same state dir)' | 'bare node:http server (reference)';

/** One start: ms until /readyz (or /) answered 200, RSS then and a second later. */
interface Start {
  readyMs: number;
  rssMiB: number;
  settledMiB: number;
}

/** The medians of one kind of start. */
export interface DemoStartRow {
  name: StartKind;
  readyMs: number;
  rssMiB: number;
  settledMiB: number;
  rounds: number[];
}

async function untilReady(url: string, child: ChildProcess, started: number): Promise<number> {
  while (performance.now() - started < 30_000) {
    if (child.exitCode !== null) throw new Error(`the child exited with ${child.exitCode} before it was ready`);
    const ok = await fetch(url).then((res) => res.ok, () => false);
    if (ok) return performance.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`${url} did not answer 200 within 30 s`);
}

async function startOnce(kind: StartKind, stateDir: string): Promise<Start> {
  const port = await freePort();
  const args =
    kind === 'bare node:http server (reference)'
      ? ['-e', `require('node:http').createServer((q, s) => s.end('ok')).listen(${port}, '127.0.0.1')`]
      : [CLI, 'demo', '--host', '127.0.0.1', '--port', String(port), '--log-level', 'error'];
  const started = performance.now();
  const child = spawn(process.execPath, args, { env: { ...process.env, GATEHOUSE_STATE_DIR: stateDir }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => void (stderr += chunk.toString('utf8')));
  try {
    const path = kind === 'bare node:http server (reference)' ? '/' : '/readyz';
    const readyMs = await untilReady(`http://127.0.0.1:${port}${path}`, child, started).catch((err: unknown) => {
      throw new Error(`${(err as Error).message}\n${stderr}`);
    });
    const rssMiB = await statusMiB(child.pid!, 'VmRSS');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    return { readyMs, rssMiB, settledMiB: await statusMiB(child.pid!, 'VmRSS') };
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(undefined) : child.once('exit', resolve)));
  }
}

/**
 * Starts each kind `BENCH_DEMO_ROUNDS` times (3), interleaved, and returns the medians.
 *
 * @example
 * ```ts
 * printDemoStart(await runDemoStart());
 * ```
 */
export async function runDemoStart(): Promise<DemoStartRow[]> {
  const kinds: StartKind[] = ['gatehouse demo, cold (new state dir)', 'gatehouse demo, warm (same state dir)', 'bare node:http server (reference)'];
  const starts = new Map<StartKind, Start[]>(kinds.map((k) => [k, []]));
  const dirs: string[] = [];
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const stateDir = await mkdtemp(join(tmpdir(), 'gatehouse-demo-start-'));
      dirs.push(stateDir);
      // Cold first (it creates the state the warm start then finds), the reference between them.
      for (const kind of kinds) starts.get(kind)!.push(await startOnce(kind, stateDir));
    }
  } finally {
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  }
  return kinds.map((name) => {
    const list = starts.get(name)!;
    return {
      name,
      readyMs: median(list.map((s) => s.readyMs)),
      rssMiB: median(list.map((s) => s.rssMiB)),
      settledMiB: median(list.map((s) => s.settledMiB)),
      rounds: list.map((s) => s.readyMs),
    };
  });
}

/**
 * Prints the start table and whether the aims were met.
 *
 * @example
 * ```ts
 * printDemoStart(rows);
 * ```
 */
export function printDemoStart(rows: DemoStartRow[]): void {
  console.log(`\ngatehouse demo start: spawn to /readyz 200 (polled every 10 ms), RSS then and 1 s later; ${ROUNDS} round(s), medians.\n`);
  console.log(
    table(
      ['start', 'ready ms', 'RSS at ready MB', 'RSS 1 s later MB', 'ready ms of each round'],
      rows.map((r) => [r.name, formatNumber(r.readyMs, 0), formatNumber(r.rssMiB, 1), formatNumber(r.settledMiB, 1), r.rounds.map((v) => formatNumber(v, 0)).join(', ')]),
    ),
  );
  for (const r of rows.filter((row) => row.name.startsWith('gatehouse'))) {
    const rss = Math.max(r.rssMiB, r.settledMiB);
    console.log(
      `${r.name}: ready in ${formatNumber(r.readyMs, 0)} ms (aim <= ${AIM_MS} ms): ${r.readyMs <= AIM_MS ? 'met' : 'not met'}; ` +
        `RSS ${formatNumber(rss, 1)} MB (aim <= ${AIM_MB} MB): ${rss <= AIM_MB ? 'met' : 'not met'}.`,
    );
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  runDemoStart()
    .then(printDemoStart)
    .catch((err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    });
}
