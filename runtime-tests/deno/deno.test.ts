/**
 * The runtime promise, tested: the package's root entry, bundled by esbuild
 * for a platform with no Node built-ins, serves `gate.fetch` under Deno (the
 * `deno` npm package's binary). Deno itself fetches the issuer's metadata and
 * JWKS from a loopback test issuer; this Node side only mints tokens and sends
 * requests. Deno gets no permission but the network on 127.0.0.1.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestIssuer, type TestIssuer } from '../../src/testing/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const publicUrl = 'http://localhost:3000';
let issuer: TestIssuer;
let deno: ChildProcess | undefined;
let workDir: string;
let origin: string;

/**
 * The Deno executable the `deno` npm package ships (in its platform package,
 * e.g. `@deno/linux-x64-glibc`). Spawned directly, not through the package's
 * Node shim, so that stopping the process stops Deno itself.
 */
function denoBinary(): string {
  const installApi = createRequire(import.meta.url)('deno/install_api.cjs') as { runInstall(): string };
  return installApi.runInstall();
}

/** Starts Deno on the bundle and resolves with the port it printed. */
function startDeno(bundle: string, settings: unknown): Promise<number> {
  const child = spawn(denoBinary(), ['run', '--no-config', '--no-lock', '--no-prompt', '--allow-net=127.0.0.1', bundle, JSON.stringify(settings)], {
    env: { PATH: process.env.PATH ?? '', DENO_DIR: join(workDir, 'deno-dir'), DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  deno = child;
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const line = out.split('\n').find((l) => l.startsWith('{"port":'));
      if (line) resolve((JSON.parse(line) as { port: number }).port);
    });
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`deno exited with ${code} before listening: ${err}`)));
  });
}

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'gatehouse-deno-'));
  issuer = await startTestIssuer({ audience: `${publicUrl}/mcp` });
  const bundle = join(workDir, 'server.js');
  // platform 'neutral': a `node:` import anywhere in the root entry's graph would fail this build.
  await build({ entryPoints: [join(here, 'server.ts')], bundle: true, format: 'esm', platform: 'neutral', mainFields: ['module', 'main'], outfile: bundle, logLevel: 'silent' });
  const port = await startDeno(bundle, { issuer: issuer.issuer, publicUrl, tools: { admin_report: ['mcp:admin'] } });
  origin = `http://127.0.0.1:${port}`;
}, 60_000);

afterAll(async () => {
  if (deno && deno.exitCode === null) {
    const exited = new Promise((resolve) => deno!.once('exit', resolve));
    deno.kill('SIGTERM');
    await exited;
  }
  await issuer?.close();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

function toolCall(name: string, token?: string): Promise<Response> {
  return fetch(`${origin}/mcp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: {} } }),
  });
}

describe('gate.fetch under Deno', () => {
  it('serves the protected-resource metadata document', async () => {
    const res = await fetch(`${origin}/.well-known/oauth-protected-resource/mcp`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ resource: `${publicUrl}/mcp`, authorization_servers: [issuer.issuer] });
  });

  it('answers a request without a token with 401 and its WWW-Authenticate challenge', async () => {
    const res = await toolCall('whoami');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(new RegExp(`^Bearer resource_metadata="${publicUrl}/\\.well-known/oauth-protected-resource/mcp"`));
  });

  it('verifies a real token against the JWKS Deno fetched itself, and hands the AuthInfo to the handler', async () => {
    const res = await toolCall('whoami', await issuer.mint({ sub: 'alice' }));
    expect(res.status).toBe(200);
    const body = (await res.json()) as { runtime: string; authInfo: { clientId: string; scopes: string[]; extra: { sub: string } } };
    expect(body).toMatchObject({ runtime: 'deno', authInfo: { clientId: 'test-client', scopes: ['mcp'], extra: { sub: 'alice' } } });
    // Nothing in this Node process verifies tokens: the issuer's JWKS requests came from Deno.
    expect(issuer.requests).toContain('GET /jwks');
  });

  it('refuses a token with a forged signature with 401 invalid_token', async () => {
    const [header, payload, signature] = (await issuer.mint()).split('.') as [string, string, string];
    const res = await toolCall('whoami', `${header}.${payload}.${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  it('answers 403 insufficient_scope for a tool that needs more scope', async () => {
    const res = await toolCall('admin_report', await issuer.mint());
    expect(res.status).toBe(403);
    expect(res.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
  });
});
