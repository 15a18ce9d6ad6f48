/**
 * Operations of the demo over real HTTP: request logs with the gate's
 * decision and the caller, never a token; /readyz while serving and while
 * draining; `gatehouse demo` logging JSON lines and stopping cleanly on SIGTERM.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAuthorityDemo, type AuthorityDemo } from '../../src/cli/demo-authority.js';
import { DEMO_DEFAULTS } from '../../src/cli/demo.js';
import { mergeConfig } from '../../src/config/merge.js';
import { createLogger } from '../../src/log/logger.js';
import { InMemoryOAuthProvider } from '../helpers/sdk-oauth-provider.js';
import { callJson, signInWithSdk, tempStateDir } from './authority-harness.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('the demo, logged', () => {
  const state = tempStateDir();
  const logs: string[] = [];
  const printed: string[] = [];
  let demo: AuthorityDemo;

  beforeAll(async () => {
    const io = { out: (t: string) => void printed.push(t), err: (t: string) => void printed.push(t) };
    const logger = createLogger({ write: (line) => void logs.push(line), level: 'debug' });
    demo = await startAuthorityDemo(mergeConfig(DEMO_DEFAULTS, { authority: { stateDir: state.path } }), 'localhost', 0, io, { logger, shutdownTimeoutMs: 5000 });
  });

  afterAll(async () => {
    await demo.close();
    state.remove();
  });

  const records = () => logs.map((line) => JSON.parse(line) as Record<string, unknown>);

  it('logs each request to the MCP endpoint with its decision and caller, and no token anywhere', async () => {
    const origin = new URL(demo.mcpUrl).origin;
    expect((await fetch(`${origin}/readyz`)).status).toBe(200);
    const provider = new InMemoryOAuthProvider();
    const client = await signInWithSdk(demo.mcpUrl, provider, 'ada');
    expect(await callJson(client, 'whoami')).toMatchObject({ subject: 'ada' });
    await client.close();

    const tokens = provider.savedTokens.flatMap((t) => [t.access_token, t.refresh_token ?? '']).filter(Boolean);
    expect(tokens.length).toBeGreaterThan(0);
    const everything = [...logs, ...printed].join('\n');
    for (const token of tokens) expect(everything).not.toContain(token);
    for (const token of tokens.filter((t) => t.split('.').length === 3)) expect(everything).not.toContain(token.split('.')[2]!);

    const mcp = records().filter((r) => r.msg === 'request' && r.path === '/mcp');
    expect(mcp.some((r) => r.decision === 'challenged' && r.status === 401)).toBe(true);
    expect(mcp.find((r) => r.decision === 'allowed')).toMatchObject({ subject: 'ada', clientId: provider.clientInformation()?.client_id, method: 'POST' });
    // Sign-in pages and the token endpoint are logged, without a decision (the gate did not decide them).
    expect(records().some((r) => typeof r.path === 'string' && r.path.startsWith('/oauth/token') && r.decision === undefined)).toBe(true);
  });

  it('answers /readyz 503 while draining, then closes', async () => {
    const origin = new URL(demo.mcpUrl).origin;
    const stopping = demo.shutdown();
    // Nothing is open, so the drain ends at once: /readyz either says 503 or the port is already closed.
    const readiness = await fetch(`${origin}/readyz`).then((r) => r.status, () => 'closed');
    expect([503, 'closed']).toContain(readiness);
    await stopping;
    await expect(fetch(`${origin}/healthz`)).rejects.toThrow();
  });
});

describe('gatehouse demo (the process)', () => {
  it('writes JSON log lines off a terminal, and stops cleanly on SIGTERM', async () => {
    const state = tempStateDir();
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(OAUTH_|GATEHOUSE_|PORT$|HOST$|PUBLIC_URL$|VITEST)/.test(k)));
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'demo', '--port', '0'], {
      cwd: root,
      env: { ...env, NO_COLOR: '1', GATEHOUSE_STATE_DIR: state.path, GATEHOUSE_SHUTDOWN_TIMEOUT: '2' },
    });
    let stdout = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.resume();
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const origin = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', () => {
          const match = /MCP endpoint (http:\/\/localhost:\d+)\/mcp/.exec(stdout);
          if (match) resolve(match[1]!);
        });
        void exited.then((code) => reject(new Error(`exited with ${code}:\n${stdout}`)));
      });
      expect(await (await fetch(`${origin}/readyz`)).json()).toEqual({ status: 'ready' });
      const challenged = await fetch(`${origin}/mcp`, { method: 'POST', headers: { authorization: 'Bearer not-a-real-token-0123456789abcdefghijklmnop' } });
      expect(challenged.status).toBe(401);
      const requestId = challenged.headers.get('x-request-id');
      await new Promise<void>((resolve) => {
        const check = () => stdout.split('\n').some((l) => l.includes(`"requestId":"${requestId}"`) && l.includes('"msg":"request"')) && resolve();
        child.stdout.on('data', check);
        check();
      });
      const lines = stdout.split('\n').filter((l) => l.includes(`"requestId":"${requestId}"`)).map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(lines.find((r) => r.msg === 'request')).toMatchObject({ level: 'info', method: 'POST', path: '/mcp', status: 401, decision: 'challenged' });
      // The same request's audit record, tied to it by the request id, with the gate's reason.
      expect(lines.find((r) => r.msg === 'audit')).toMatchObject({ event: 'request.refused', reason: 'ERR_JWT_MALFORMED', status: 401 });
      expect(stdout).not.toContain('not-a-real-token');
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(stdout).toContain('Received SIGTERM, shutting down');
    state.remove();
  });
});
