/**
 * The state directory read-only or full while `gatehouse demo` runs (as
 * its own process, as an unprivileged user when the tests run as root, so
 * file permissions apply to it): writes fail with a clear answer (503 with
 * Retry-After and a JSON error, never a 500) and a log line naming the
 * directory; nothing already written is changed or left half-written; the
 * last good state is still served (a token issued before keeps working);
 * and once the directory is writable again, so is Gatehouse.
 *
 * "Full" is a file-size limit (RLIMIT_FSIZE via `prlimit` on the running
 * process): each write past it fails with EFBIG, as a full disk fails with
 * ENOSPC, through the same code path. A real full disk needs a mount
 * (tmpfs), which a container without CAP_SYS_ADMIN cannot make.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../broker/broker-harness.js';
import { gatehouseProcess, type GatehouseProcess } from '../helpers/gatehouse-process.js';
import { signInForTokens, tempStateDir } from './authority-harness.js';

const NOBODY = 65534;
const asRoot = process.getuid?.() === 0;
const hasPrlimit = (() => {
  try {
    execFileSync('prlimit', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/**
 * Sets the soft RLIMIT_FSIZE of a running process (the hard one stays, so
 * it can be lifted again), as the process's own user: changing another
 * user's limits needs CAP_SYS_RESOURCE, which a container's root may lack.
 */
function setFileSizeLimit(pid: number, soft: string): void {
  execFileSync('prlimit', ['--pid', String(pid), `--fsize=${soft}:unlimited`], asRoot ? { uid: NOBODY, gid: NOBODY } : {});
}

/** Every file under `dir` with its content, by relative path. */
function snapshot(dir: string, base = dir, into: Record<string, string> = {}): Record<string, string> {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) snapshot(path, base, into);
    else into[path.slice(base.length + 1)] = readFileSync(path, 'utf8');
  }
  return into;
}

/** chmod every directory and file under `dir` (itself included). */
function chmodTree(dir: string, dirMode: number, fileMode: number): void {
  chmodSync(dir, dirMode);
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) chmodTree(path, dirMode, fileMode);
    else chmodSync(path, fileMode);
  }
}

function chownTree(dir: string, id: number): void {
  chownSync(dir, id, id);
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) chownTree(path, id);
    else chownSync(path, id, id);
  }
}

describe('the state directory read-only or full', () => {
  const state = tempStateDir();
  let gatehouse: GatehouseProcess;
  let origin: string;

  beforeAll(async () => {
    const port = await freePort();
    origin = `http://localhost:${port}`;
    if (asRoot) chownTree(state.path, NOBODY);
    gatehouse = gatehouseProcess(port, { GATEHOUSE_STATE_DIR: state.path, PUBLIC_URL: origin }, asRoot ? { uid: NOBODY, gid: NOBODY } : {});
    await gatehouse.start();
  }, 70_000);

  afterAll(async () => {
    await gatehouse?.stop();
    chmodTree(state.path, 0o700, 0o600);
    state.remove();
  });

  const mcp = (token: string) =>
    fetch(`${origin}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${token}` },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'faults', version: '1' } } }),
    });
  const refresh = (tokens: Record<string, unknown>) =>
    fetch(`${origin}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: String(tokens.refresh_token), client_id: String(tokens.client_id) }),
    });
  const register = () =>
    fetch(`${origin}/oauth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ redirect_uris: ['http://127.0.0.1/callback'], token_endpoint_auth_method: 'none' }),
    });

  /** What every failed write must look like from outside, and on disk. */
  async function expectCleanRefusal(answer: Response, before: Record<string, string>, logFrom: number, reason: RegExp) {
    expect(answer.status).toBe(503);
    expect(Number(answer.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await answer.json()).toEqual({ error: 'temporarily_unavailable', error_description: expect.stringMatching(/state directory/) });
    const log = gatehouse.output.slice(logFrom).join('');
    expect(log).toMatch(reason);
    expect(log).toContain(state.path);
    // Nothing changed, nothing half-written, no temp file left behind.
    expect(snapshot(state.path)).toEqual(before);
  }

  it('read-only: refuses writes clearly, changes nothing, and still serves the tokens it issued', async () => {
    const tokens = await signInForTokens(origin, { login: 'alice', scope: 'mcp' });
    expect((await mcp(String(tokens.access_token))).status).toBe(200);
    const before = snapshot(state.path);
    const logFrom = gatehouse.output.length;
    chmodTree(state.path, 0o500, 0o400);
    try {
      await expectCleanRefusal(await register(), before, logFrom, /EACCES/);
      await expectCleanRefusal(await refresh(tokens), before, logFrom, /EACCES/);
      // The last good state is served: the token issued before works, its grant read from the files.
      const served = await mcp(String(tokens.access_token));
      expect(served.status).toBe(200);
      await served.body?.cancel();
    } finally {
      chmodTree(state.path, 0o700, 0o600);
    }
    // Writable again: so is Gatehouse, with the same refresh token (the refused refresh consumed nothing).
    const renewed = await refresh(tokens);
    expect(renewed.status).toBe(200);
    expect(await renewed.json()).toHaveProperty('access_token');
  }, 30_000);

  it.skipIf(!hasPrlimit)('full (a file-size limit): refuses writes clearly, leaves no partial file, and still serves the tokens it issued', async () => {
    const tokens = await signInForTokens(origin, { login: 'bob', scope: 'mcp' });
    const before = snapshot(state.path);
    const logFrom = gatehouse.output.length;
    setFileSizeLimit(gatehouse.pid!, '16');
    try {
      await expectCleanRefusal(await register(), before, logFrom, /EFBIG/);
      const served = await mcp(String(tokens.access_token));
      expect(served.status).toBe(200);
      await served.body?.cancel();
    } finally {
      setFileSizeLimit(gatehouse.pid!, 'unlimited');
    }
    for (const [path, text] of Object.entries(snapshot(state.path))) {
      if (path.endsWith('.json')) expect(() => JSON.parse(text), path).not.toThrow();
    }
    expect((await register()).status).toBe(201);
  }, 30_000);
});
