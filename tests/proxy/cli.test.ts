/**
 * `gatehouse proxy` as a command: usage errors, and a real process that
 * serves server-everything over stdio, drains a call in flight on SIGTERM,
 * then stops its child processes.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../src/cli/run.js';
import { tempStateDir } from '../e2e/authority-harness.js';
import { EVERYTHING, signIn, textOf } from './harness.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

function capture() {
  const io = { out_: '', err_: '', out: (t: string) => void (io.out_ += `${t}\n`), err: (t: string) => void (io.err_ += `${t}\n`) };
  return io;
}

/** The processes `pid` started that run server-everything (tsx starts an esbuild helper too). */
function everythingChildren(pid: number): number[] {
  try {
    return execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .filter((line) => line.includes('server-everything'))
      .map((line) => Number.parseInt(line.trim(), 10));
  } catch {
    return []; // ps exits 1 when there are none
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('gatehouse proxy usage', () => {
  it('prints its help with examples', async () => {
    const io = capture();
    expect(await runCli(['proxy', '--help'], {}, io)).toBe(0);
    expect(io.out_).toContain('gatehouse proxy --upstream http://127.0.0.1:8080/mcp');
    expect(io.out_).toContain('-- npx -y @modelcontextprotocol/server-everything');
  });

  it('exits 2 when there is nothing to protect, or two things', async () => {
    let io = capture();
    expect(await runCli(['proxy'], {}, io)).toBe(2);
    expect(io.err_).toContain('nothing to protect');
    io = capture();
    expect(await runCli(['proxy', '--upstream', 'http://127.0.0.1:1/mcp', '--', 'node'], {}, io)).toBe(2);
    expect(io.err_).toContain('not both');
    io = capture();
    expect(await runCli(['proxy', '--'], {}, io)).toBe(2);
  });

  it('exits 1 naming the setting and its env var when a setting is wrong', async () => {
    let io = capture();
    expect(await runCli(['proxy', '--upstream', 'ftp://example.com/mcp'], {}, io)).toBe(1);
    expect(io.err_).toContain('proxy.upstream (GATEHOUSE_UPSTREAM): must be an http: or https: URL');
    io = capture();
    expect(await runCli(['proxy', '--idle-timeout', 'soon', '--', 'node'], {}, io)).toBe(2);
    expect(io.err_).toContain('--idle-timeout="soon" is not a duration');
    io = capture();
    expect(await runCli(['proxy', '--shared', '--env-subject', 'USER_ID', '--', 'node'], {}, io)).toBe(1);
    expect(io.err_).toContain('a shared child serves every user');
  });
});

describe('gatehouse proxy -- <command>, as a process', () => {
  const state = tempStateDir();
  let proc: ChildProcess | undefined;

  afterAll(() => {
    if (proc && proc.exitCode === null) proc.kill('SIGKILL');
    state.remove();
  });

  it('serves the stdio server, drains a call in flight on SIGTERM, and stops its children', async () => {
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', GATEHOUSE_STATE_DIR: state.path, GATEHOUSE_LOG_FORMAT: 'json' };
    proc = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'proxy', '--port', '0', '--', process.execPath, EVERYTHING, 'stdio'], { cwd: root, env });
    let stdout = '';
    proc.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
    proc.stderr!.on('data', () => {});
    const exited = new Promise<number | null>((resolve) => proc!.once('exit', (code) => resolve(code)));
    await vi.waitFor(() => expect(stdout).toMatch(/Gatehouse proxy ready: MCP endpoint (\S+)/), { timeout: 20_000, interval: 50 });
    const mcpUrl = /Gatehouse proxy ready: MCP endpoint (\S+)/.exec(stdout)![1]!;
    expect(stdout).toContain('one process per user');

    const alice = await signIn(mcpUrl, 'alice');
    const children = everythingChildren(proc.pid!);
    expect(children.length).toBe(1);
    // SIGTERM once the call is surely running in the child: after its first progress notification.
    let progressed = false;
    const call = alice.client.callTool({ name: 'trigger-long-running-operation', arguments: { duration: 1, steps: 4 } }, undefined, {
      onprogress: () => void (progressed = true),
    });
    await vi.waitFor(() => expect(progressed).toBe(true), { timeout: 5000, interval: 10 });
    proc.kill('SIGTERM');

    expect(textOf(await call)).toContain('Long running operation completed');
    expect(await exited).toBe(0);
    expect(stdout).toContain('Received SIGTERM, draining');
    await vi.waitFor(() => expect(children.filter(alive)).toEqual([]), { timeout: 10_000, interval: 100 });
    await alice.client.close().catch(() => {});
  });
});
