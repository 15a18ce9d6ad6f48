/**
 * `node --import tsx bench/body-flood.ts`: what a flood of token-less huge
 * POSTs costs the gate in memory (finding 5 of the security review, issue 8).
 *
 * Starts `gatehouse demo` (Gatehouse as its own authorization server, state
 * in a temporary directory) as a child process on a free loopback port,
 * waits for /readyz, resets the child's peak RSS (`/proc/<pid>/clear_refs`),
 * then sends FLOOD_REQUESTS (60) concurrent `POST /mcp` without a token,
 * each declaring and sending FLOOD_BODY_MIB (4) MiB, FLOOD_ROUNDS (3) times.
 * Prints the child's RSS before, its peak (VmHWM) during each round, the
 * growth, and the answers the requests got. Done when the peak grows by
 * less than 50 MiB. Linux only (reads /proc).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { besideBench, childExecArgv, formatNumber, table } from './stats.js';

const REQUESTS = Number(process.env.FLOOD_REQUESTS ?? 60);
const BODY_BYTES = Number(process.env.FLOOD_BODY_MIB ?? 4) * 1024 * 1024;
const ROUNDS = Number(process.env.FLOOD_ROUNDS ?? 3);
const AIM_MIB = 50;
const MAIN = fileURLToPath(besideBench('../src/cli/main'));

/** A free loopback port (shared with bench/demo-start.ts). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** A field of /proc/<pid>/status, in MiB (the kernel gives kB). */
export async function statusMiB(pid: number, field: 'VmRSS' | 'VmHWM'): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  if (!match) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(match[1]) / 1024;
}

/** Resets the peak RSS to the current RSS (Linux >= 4.0), so VmHWM then is the peak of what follows. */
async function resetPeak(pid: number): Promise<void> {
  await writeFile(`/proc/${pid}/clear_refs`, '5');
}

async function waitReady(url: string, child: ChildProcess): Promise<void> {
  for (let attempt = 0; attempt < 300; attempt++) {
    if (child.exitCode !== null) throw new Error(`gatehouse demo exited with ${child.exitCode}`);
    const ok = await fetch(url).then((res) => res.ok, () => false);
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} did not answer 200 within 30 s`);
}

/** One token-less POST that declares and sends the whole body; resolves to the status, or the error that ended it. */
function floodRequest(url: URL, body: Buffer): Promise<string> {
  return new Promise((resolve) => {
    let outcome: string | undefined;
    const req = request(
      { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'content-length': body.length } },
      (res) => {
        outcome = String(res.statusCode);
        res.resume();
        res.once('end', () => resolve(outcome!));
        res.once('error', () => resolve(outcome!));
      },
    );
    // A server that answers before the body and closes resets the connection under the rest: the answer counts.
    req.once('error', (err: Error & { code?: string }) => resolve(outcome ?? `error ${err.code ?? err.message}`));
    req.end(body);
  });
}

function countOf(outcomes: string[]): string {
  const counts = new Map<string, number>();
  for (const outcome of outcomes) counts.set(outcome, (counts.get(outcome) ?? 0) + 1);
  return [...counts].map(([outcome, n]) => `${n} x ${outcome}`).join(', ');
}

/** What one flood run measured. */
export interface BodyFloodResult {
  pid: number;
  rows: { round: number; beforeMiB: number; peakMiB: number; answers: string }[];
}

/** Runs the flood against a fresh `gatehouse demo` child; see the file comment. */
export async function runBodyFlood(): Promise<BodyFloodResult> {
  const port = await freePort();
  const stateDir = await mkdtemp(join(tmpdir(), 'gatehouse-flood-'));
  const child = spawn(process.execPath, [...childExecArgv(), MAIN, 'demo', '--host', '127.0.0.1', '--port', String(port), '--log-level', 'error'], {
    env: { ...process.env, GATEHOUSE_STATE_DIR: stateDir, GATEHOUSE_LOG_FORMAT: 'json' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  // Its startup warnings are noise here; shown only when it fails.
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => void (stderr += chunk.toString('utf8')));
  try {
    const origin = `http://127.0.0.1:${port}`;
    await waitReady(`${origin}/readyz`, child).catch((err: unknown) => {
      throw new Error(`${(err as Error).message}\n${stderr}`);
    });
    const pid = child.pid!;
    const body = Buffer.alloc(BODY_BYTES, 0x20);
    const mcp = new URL(`${origin}/mcp`);
    // A few ordinary token-less requests first, so lazily loaded code is not counted as flood.
    await Promise.all(Array.from({ length: 5 }, () => floodRequest(mcp, Buffer.from('{}'))));
    const rows: BodyFloodResult['rows'] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const beforeMiB = await statusMiB(pid, 'VmRSS');
      await resetPeak(pid);
      const outcomes = await Promise.all(Array.from({ length: REQUESTS }, () => floodRequest(mcp, body)));
      rows.push({ round, beforeMiB, peakMiB: await statusMiB(pid, 'VmHWM'), answers: countOf(outcomes) });
    }
    return { pid, rows };
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => (child.exitCode !== null ? resolve(undefined) : child.once('exit', resolve)));
    await rm(stateDir, { recursive: true, force: true });
  }
}

/** Prints the rounds and whether the aim was met. */
export function printBodyFlood(result: BodyFloodResult): void {
  console.log(`\nBody flood: ${REQUESTS} concurrent token-less POST /mcp, ${formatNumber(BODY_BYTES / 1024 / 1024, 1)} MiB each, ${ROUNDS} round(s), against gatehouse demo (pid ${result.pid})\n`);
  console.log(
    table(
      ['round', 'RSS before MiB', 'peak RSS MiB', 'growth MiB', 'answers'],
      result.rows.map((r) => [String(r.round), formatNumber(r.beforeMiB, 1), formatNumber(r.peakMiB, 1), formatNumber(r.peakMiB - r.beforeMiB, 1), r.answers]),
    ),
  );
  const worst = Math.max(...result.rows.map((r) => r.peakMiB - r.beforeMiB));
  console.log(`\nLargest peak growth: ${formatNumber(worst, 1)} MiB (aim: < ${AIM_MIB} MiB): ${worst < AIM_MIB ? 'met' : 'not met'}.`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  runBodyFlood()
    .then(printBodyFlood)
    .catch((err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    });
}
