/**
 * `gatehouse init` end to end: this package built and packed as a tarball,
 * a project scaffolded that depends on it, then, as a user would right
 * after: `npm install` (preferring this machine's npm cache, falling back to the registry), `npm run
 * build`, `npm test` (its SDK client signs in and calls tools), and
 * `npm start` answering its health check and stopping on SIGTERM, and in
 * resource-server mode starting without loading the authorization server.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run.js';
import { startTestIssuer } from '../../src/testing/index.js';
import { cleanEnv, npm, packThisPackage } from '../helpers/pack-package.js';

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
    await npm(['run', 'build'], project);
  }, 300_000);

  afterAll(() => rm(work, { recursive: true, force: true }));

  it('builds, and passes its own tests: a real sign-in and tool calls in both modes', async () => {
    const { stdout } = await npm(['test'], project);
    expect(stdout).toMatch(/Test Files\s+2 passed/);
    expect(stdout).toMatch(/Tests\s+7 passed/);
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

  it('in resource-server mode, does not load the authorization server (on Node 20, no oidc-provider runtime warning)', async () => {
    const issuer = await startTestIssuer();
    const child = spawn(process.execPath, ['dist/main.js'], { cwd: project, env: cleanEnv({ PORT: '0', OAUTH_ISSUER_URL: issuer.issuer }) });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const mcpUrl = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', () => {
          const match = /MCP server ready at (\S+)/.exec(output);
          if (match) resolve(match[1]!);
        });
        void exited.then((code) => reject(new Error(`exited with ${code} before it was ready:\n${output}`)));
      });
      const prm = await (await fetch(`${new URL(mcpUrl).origin}/.well-known/oauth-protected-resource/mcp`)).json();
      expect(prm).toMatchObject({ resource: mcpUrl, authorization_servers: [issuer.issuer] });
    } finally {
      child.kill('SIGTERM');
      await issuer.close();
    }
    expect(await exited).toBe(0);
    expect(output).toContain(`tokens from ${issuer.issuer}`);
    expect(output).not.toContain('oidc-provider');
  }, 60_000);
});
