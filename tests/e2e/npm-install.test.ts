/**
 * What a user who ran `npm install mcp-gatehouse` gets, as the README's
 * Quick start tells them: this package packed as a tarball, installed into
 * a fresh project (npm's cache first, the registry for what is missing),
 * then `npx gatehouse demo` answering on a free loopback port and
 * `npx gatehouse config check` showing what it uses.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, npm, packThisPackage, run } from '../helpers/pack-package.js';

describe('npm install mcp-gatehouse → npx gatehouse', () => {
  let work: string;
  let project: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'gatehouse-npm-e2e-'));
    const tarball = await packThisPackage(work);
    project = join(work, 'user-project');
    await mkdir(project);
    await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'user-project', version: '1.0.0', private: true, type: 'module' }));
    await npm(['install', tarball, '--prefer-offline', '--no-audit', '--no-fund'], project);
  }, 300_000);

  afterAll(() => rm(work, { recursive: true, force: true }));

  it('`npx gatehouse demo` answers /mcp with a 401 challenge and serves its metadata, then stops on SIGTERM', async () => {
    const env = cleanEnv({ PORT: '0', HOST: '127.0.0.1', GATEHOUSE_STATE_DIR: join(work, 'state') });
    // Its own process group: SIGTERM goes to npx and the demo it runs alike, as a terminal's Ctrl-C would.
    const child = spawn('npx', ['--no-install', 'gatehouse', 'demo'], { cwd: project, env, detached: true });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    // 'close': npx has exited and the demo, which shares its stdout, has too.
    const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
    try {
      const { mcpUrl, port } = await new Promise<{ mcpUrl: string; port: string }>((resolve, reject) => {
        function check() {
          const endpoint = /MCP endpoint (\S+)/.exec(output);
          const listening = /listening on \S+ port (\d+)/.exec(output);
          if (endpoint && listening) resolve({ mcpUrl: endpoint[1]!, port: listening[1]! });
        }
        child.stdout.on('data', check);
        void exited.then((code) => reject(new Error(`exited with ${code} before it was ready:\n${output}`)));
      });
      const origin = `http://127.0.0.1:${port}`;
      const challenge = await fetch(`${origin}/mcp`, { method: 'POST' });
      expect(challenge.status).toBe(401);
      expect(challenge.headers.get('www-authenticate')).toMatch(/^Bearer resource_metadata="[^"]+\/\.well-known\/oauth-protected-resource\/mcp"/);
      const prm = (await (await fetch(`${origin}/.well-known/oauth-protected-resource/mcp`)).json()) as { resource: string; authorization_servers: string[] };
      expect(prm.resource).toBe(mcpUrl);
      expect(prm.authorization_servers).toEqual([new URL(mcpUrl).origin]);
    } finally {
      process.kill(-child.pid!, 'SIGTERM');
    }
    const stopped = await Promise.race([exited.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), 20_000).unref())]);
    if (!stopped) process.kill(-child.pid!, 'SIGKILL');
    expect(stopped).toBe(true);
    expect(output).toContain('Received SIGTERM, shutting down');
  }, 60_000);

  it('`npx gatehouse config check` exits 0 and prints the settings it uses', async () => {
    const { stdout } = await run('npx', ['--no-install', 'gatehouse', 'config', 'check'], { cwd: project, env: cleanEnv(), timeout: 60_000 });
    expect(stdout).toMatch(/^Config OK: authority mode/);
    expect(stdout).toMatch(/publicUrl\s+http:\/\/localhost:3000\s+\(default\)/);
    expect(stdout).toMatch(/path\s+\/mcp\s+\(default\)/);
  }, 60_000);
});
