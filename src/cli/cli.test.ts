import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestIssuer, type TestIssuer } from '../testing/index.js';
import type { Io } from './io.js';
import { runCli } from './run.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const STACK_LINE = /^\s+at .+:\d+:\d+\)?$/m;

/** The environment of this process without any setting the CLI reads. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (/^(OAUTH_|GATEHOUSE_)/.test(name) || ['PORT', 'HOST', 'PUBLIC_URL'].includes(name)) continue;
    env[name] = value;
  }
  return { ...env, NO_COLOR: '1', ...extra };
}

interface Run {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

function gatehouse(args: string[], env: Record<string, string> = {}): Run {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: root, env: cleanEnv(env) });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

/** Resolves with the first line of stdout that matches, or rejects when the process exits first. */
function lineMatching(run: Run, pattern: RegExp): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    function check() {
      const match = run.stdout().match(pattern);
      if (match) {
        run.child.stdout!.off('data', check);
        resolve(match);
      }
    }
    run.child.stdout!.on('data', check);
    void run.exited.then((code) => reject(new Error(`exited with ${code} before printing ${pattern}:\n${run.stdout()}\n${run.stderr()}`)));
    check();
  });
}

/** A port nobody listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function capture(): Io & { out_: string; err_: string } {
  const io = {
    out_: '',
    err_: '',
    out(text: string) {
      io.out_ += `${text}\n`;
    },
    err(text: string) {
      io.err_ += `${text}\n`;
    },
  };
  return io;
}

describe('gatehouse demo', () => {
  let issuer: TestIssuer;
  let run: Run;
  let port: number;
  let mcpUrl: string;

  beforeAll(async () => {
    issuer = await startTestIssuer();
    run = gatehouse(['demo', '--port', '0'], { OAUTH_ISSUER_URL: issuer.issuer });
    const match = await lineMatching(run, /Gatehouse ready: MCP endpoint (http:\/\/localhost:(\d+)\/mcp) \(issuer (\S+)\)/);
    mcpUrl = match[1]!;
    port = Number(match[2]);
    expect(match[3]).toBe(issuer.issuer);
  });
  afterAll(async () => {
    if (run.child.exitCode === null) {
      run.child.kill('SIGKILL');
      await run.exited;
    }
    await issuer.close();
  });

  it('answers /healthz with 200 once ready and tells how to connect', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(res.status).toBe(200);
    expect(run.stdout()).toContain(`claude mcp add --transport http gatehouse-demo ${mcpUrl}`);
    expect(run.stdout()).toMatch(/inspector/i);
  });

  it('challenges a request without a token', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/mcp`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain(`resource_metadata="http://localhost:${port}/.well-known/oauth-protected-resource/mcp"`);
  });

  it("answers whoami with the caller's subject, client id and scopes, and guards admin_report by scope", async () => {
    const token = await issuer.mint({ aud: mcpUrl, sub: 'grace', scope: 'mcp' });
    const transport = new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`), {
      requestInit: { headers: { Authorization: `Bearer ${token}` } },
    });
    const client = new Client({ name: 'cli-test', version: '1.0.0' });
    await client.connect(transport);
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(['admin_report', 'whoami']);
    const result = await client.callTool({ name: 'whoami', arguments: {} });
    const text = (result.content as Array<{ text: string }>)[0]!.text;
    expect(JSON.parse(text)).toMatchObject({ subject: 'grace', clientId: 'test-client', scopes: ['mcp'] });
    await expect(client.callTool({ name: 'admin_report', arguments: {} })).rejects.toThrow(/403|insufficient_scope|scope/i);
    await client.close();
  });

  it('shuts down cleanly on SIGTERM', async () => {
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    expect(run.stdout()).toContain('shutting down');
    expect(run.stderr()).not.toMatch(STACK_LINE);
  });
});

describe('gatehouse demo without an issuer', () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'gatehouse-cli-'));
  afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

  it('runs its own authorization server on the same origin, zero configuration', async () => {
    const run = gatehouse(['demo', '--port', '0'], { GATEHOUSE_STATE_DIR: stateDir });
    try {
      const match = await lineMatching(run, /Gatehouse ready: MCP endpoint (http:\/\/localhost:(\d+))\/mcp \(authorization server (\S+),/);
      expect(match[3]).toBe(match[1]);
      await lineMatching(run, /sign in: development sign-in/);
      await lineMatching(run, /claude mcp add --transport http gatehouse-demo/);
      const metadata = await fetch(`http://127.0.0.1:${match[2]}/.well-known/oauth-authorization-server`);
      expect(metadata.status).toBe(200);
      expect(await metadata.json()).toMatchObject({ issuer: match[1], code_challenge_methods_supported: ['S256'] });
      const prm = (await (await fetch(`http://127.0.0.1:${match[2]}/.well-known/oauth-protected-resource/mcp`)).json()) as Record<string, unknown>;
      expect(prm.authorization_servers).toEqual([match[1]]);
      expect(run.stderr()).toMatch(/^gatehouse WARNING: development sign-in is on/m);
      // Keys and the cookie secret were made in the state directory.
      expect(readdirSync(stateDir)).toEqual(expect.arrayContaining(['keys.json', 'cookies.secret']));
    } finally {
      run.child.kill('SIGTERM');
    }
    expect(await run.exited).toBe(0);
    expect(run.stderr()).not.toMatch(STACK_LINE);
  });

  it('refuses to start in production with development settings, saying what to fix, and no stack trace', async () => {
    const run = gatehouse(['demo', '--port', '0'], { GATEHOUSE_STATE_DIR: stateDir, GATEHOUSE_ENV: 'production', GATEHOUSE_DEV_LOGIN: 'true' });
    expect(await run.exited).toBe(1);
    expect(run.stderr()).toMatch(/will not start in production mode/);
    expect(run.stderr()).toMatch(/development sign-in is on/);
    expect(run.stderr()).toMatch(/PUBLIC_URL is not set/);
    expect(run.stdout()).not.toContain('Gatehouse ready');
    expect(run.stderr()).not.toMatch(STACK_LINE);
  });
});

describe('gatehouse demo with an issuer', () => {
  it('exits 1 naming the URLs tried when the issuer cannot be reached', async () => {
    const run = gatehouse(['demo', '--port', '0'], { OAUTH_ISSUER_URL: `http://127.0.0.1:${await closedPort()}` });
    expect(await run.exited).toBe(1);
    expect(run.stderr()).toMatch(/Failed to fetch OIDC discovery document/);
    expect(run.stderr()).not.toMatch(STACK_LINE);
  });

  it('exits 1 with the setting named when the config is invalid', async () => {
    const run = gatehouse(['demo'], { OAUTH_ISSUER_URL: 'not a url' });
    expect(await run.exited).toBe(1);
    expect(run.stderr()).toContain('OAUTH_ISSUER_URL');
    expect(run.stderr()).not.toMatch(STACK_LINE);
  });
});

describe('runCli', () => {
  it('prints usage and exits 2 for an unknown command', async () => {
    const io = capture();
    expect(await runCli(['nope'], {}, io)).toBe(2);
    expect(io.err_).toContain('unknown command "nope"');
    expect(io.err_).toContain('Usage: gatehouse <command>');
  });

  it('prints help with examples for the CLI and for demo', async () => {
    const io = capture();
    expect(await runCli(['--help'], {}, io)).toBe(0);
    expect(io.out_).toContain('Examples:');
    expect(await runCli(['demo', '--help'], {}, io)).toBe(0);
    expect(io.out_).toContain('Usage: gatehouse demo');
    expect(io.out_).toContain('--port');
  });

  it('exits 2 with the demo usage for an unknown flag', async () => {
    const io = capture();
    expect(await runCli(['demo', '--nope'], {}, io)).toBe(2);
    expect(io.err_).toContain("Unknown option '--nope'");
    expect(io.err_).toContain('Usage: gatehouse demo');
  });
});
