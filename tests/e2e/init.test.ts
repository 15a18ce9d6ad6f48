/**
 * `gatehouse init` end to end: this package built and packed as a tarball,
 * a project scaffolded that depends on it, then, as a user would right
 * after: `npm install` (preferring this machine's npm cache, falling back to the registry), `npm run
 * build`, `npm test` (its SDK client signs in and calls tools), and
 * `npm start` answering its health check and stopping on SIGTERM.
 */
import { execFile, spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));

/** Only what npm and node need: nothing of the outer test run (VITEST_*, npm_*, NODE_OPTIONS, OAUTH_*...). */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const keep = ['PATH', 'HOME', 'USER', 'TMPDIR', 'LANG', 'SHELL'];
  return { ...Object.fromEntries(keep.filter((k) => process.env[k]).map((k) => [k, process.env[k]])), NO_COLOR: '1', CI: '1', ...extra };
}

async function npm(args: string[], cwd: string, timeout = 240_000): Promise<{ stdout: string; stderr: string }> {
  try {
    return await run('npm', args, { cwd, env: cleanEnv(), timeout, maxBuffer: 32 * 1024 * 1024 });
  } catch (err) {
    const { stdout, stderr } = err as { stdout?: string; stderr?: string };
    throw new Error(`npm ${args.join(' ')} failed in ${cwd}:\n${stdout ?? ''}\n${stderr ?? ''}`, { cause: err });
  }
}

/**
 * This package as npm would publish it, built into a staging directory so
 * the working tree's dist/ stays as it is.
 */
async function packThisPackage(work: string): Promise<string> {
  const stage = join(work, 'stage');
  await mkdir(stage);
  await run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json'), '--outDir', join(stage, 'dist')], { cwd: root });
  for (const entry of ['package.json', 'README.md', 'schema', 'templates']) await cp(join(root, entry), join(stage, entry), { recursive: true });
  await npm(['pack', '--pack-destination', work], stage);
  const [tarball] = (await readdir(work)).filter((f) => f.endsWith('.tgz'));
  if (!tarball) throw new Error('npm pack wrote no tarball');
  return join(work, tarball);
}

describe('gatehouse init → npm install → build → test → start', () => {
  let work: string;
  let project: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'gatehouse-init-e2e-'));
    const tarball = await packThisPackage(work);
    project = join(work, 'notes-server');
    const lines: string[] = [];
    const io = { out: (t: string) => void lines.push(t), err: (t: string) => void lines.push(t) };
    const code = await runCli(['init', project, '--gatehouse-spec', `file:${tarball}`], { NO_COLOR: '1' }, io);
    if (code !== 0) throw new Error(`gatehouse init failed:\n${lines.join('\n')}`);
    await npm(['install', '--prefer-offline', '--no-audit', '--no-fund'], project);
  }, 300_000);

  afterAll(() => rm(work, { recursive: true, force: true }));

  it('builds, and passes its own tests: a real sign-in and tool calls in both modes', async () => {
    await npm(['run', 'build'], project);
    const { stdout } = await npm(['test'], project);
    expect(stdout).toMatch(/Test Files\s+2 passed/);
    expect(stdout).toMatch(/Tests\s+5 passed/);
  }, 300_000);

  it('starts, answers its health check and discovery document, and stops on SIGTERM', async () => {
    const state = join(work, 'state');
    const child = spawn(process.execPath, ['dist/main.js'], { cwd: project, env: cleanEnv({ PORT: '0', GATEHOUSE_STATE_DIR: state }) });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const mcpUrl = await new Promise<string>((resolve, reject) => {
        function check() {
          const match = /MCP server ready at (\S+)/.exec(output);
          if (match) resolve(match[1]!);
        }
        child.stdout.on('data', check);
        void exited.then((code) => reject(new Error(`exited with ${code} before it was ready:\n${output}`)));
      });
      const origin = new URL(mcpUrl).origin;
      expect(await (await fetch(`${origin}/healthz`)).json()).toEqual({ status: 'ok' });
      const prm = await (await fetch(`${origin}/.well-known/oauth-protected-resource/mcp`)).json();
      expect(prm).toMatchObject({ resource: mcpUrl, authorization_servers: [origin], resource_name: 'notes-server' });
      expect((await fetch(mcpUrl, { method: 'POST' })).status).toBe(401);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(output).toContain('SIGTERM: finishing open requests, then stopping');
  }, 60_000);
});
