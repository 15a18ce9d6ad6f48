import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatehouseNode, type GatedIncomingMessage } from '../adapters/node/middleware.js';
import { createGatehouse } from '../gatehouse.js';
import { startTestIssuer, type TestIssuer } from '../testing/index.js';
import type { Gatehouse } from '../types.js';
import { createLogger } from './logger.js';
import { acceptedRequestId, gateDecision, logRequests, requestIdOf } from './request-log.js';

/** A real gate behind a logged node:http server; every log line (JSON and pretty) is kept. */
describe('logRequests', () => {
  let issuer: TestIssuer;
  let gate: Gatehouse;
  let server: Server;
  let origin: string;
  const json: string[] = [];
  const pretty: string[] = [];
  /** Called after every JSON line is kept, so a test waits for a record by the write itself, not by the clock. */
  const onJsonLine = new Set<() => void>();

  beforeAll(async () => {
    issuer = await startTestIssuer({ audience: 'http://localhost:3000/mcp', scope: 'mcp' });
    gate = createGatehouse({ issuer: issuer.issuer, publicUrl: 'http://localhost:3000', scopes: { tools: { admin: ['mcp:admin'] } } });
    await gate.ready();
    const guard = gatehouseNode(gate);
    async function app(req: GatedIncomingMessage, res: ServerResponse) {
      if (req.url === '/boom') throw new Error(`handler failed with ${req.headers.authorization}`);
      if (await guard(req, res)) return;
      if (req.auth) {
        res.writeHead(200, { 'content-type': 'application/json' });
        return void res.end(JSON.stringify({ requestId: requestIdOf(req) }));
      }
      res.writeHead(404).end();
    }
    const logJson = createLogger({
      write(line) {
        json.push(line);
        for (const notify of onJsonLine) notify();
      },
      level: 'debug',
    });
    const logPretty = createLogger({ write: (line) => void pretty.push(line), format: 'pretty', level: 'debug' });
    const both = logRequests(logRequests(app, logPretty, { protectedPath: '/mcp' }), logJson, { protectedPath: '/mcp' });
    server = createServer(both);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    gate.close();
    await issuer.close();
  });

  const call = (token: string | undefined, tool = 'whoami', headers: Record<string, string> = {}) =>
    fetch(`${origin}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: tool, arguments: {} } }),
    });

  function records(): Record<string, unknown>[] {
    return json.map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  /**
   * Waits for the record of a request: it is written when the response
   * closes, a moment after the client has it. Checked now and on each new
   * line; a record never written fails the test at its timeout.
   */
  function recordOf(requestId: string): Promise<Record<string, unknown>> {
    const find = () => records().find((r) => r.requestId === requestId && r.msg === 'request');
    return new Promise((resolve) => {
      function check() {
        const found = find();
        if (!found) return;
        onJsonLine.delete(check);
        resolve(found);
      }
      onJsonLine.add(check);
      check();
    });
  }

  it('logs an allowed request with subject, client id, decision and latency, and never the token', async () => {
    const token = await issuer.mint({ sub: 'alice', client_id: 'client-42', scope: 'mcp' });
    const response = await fetch(`${origin}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, cookie: `session=${token}` },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'whoami', arguments: {} } }),
    });
    expect(response.status).toBe(200);
    const requestId = response.headers.get('x-request-id')!;
    expect((await response.json()).requestId).toBe(requestId);
    const record = await recordOf(requestId);
    expect(record).toMatchObject({ level: 'info', msg: 'request', method: 'POST', path: '/mcp', status: 200, decision: 'allowed', subject: 'alice', clientId: 'client-42' });
    expect(typeof record.latencyMs).toBe('number');
    expect(Object.keys(record).sort()).toEqual(['clientId', 'decision', 'latencyMs', 'level', 'method', 'msg', 'path', 'requestId', 'status', 'subject', 'time']);
    expect([...json, ...pretty].join('\n')).not.toContain(token.split('.')[1]!);
  });

  it('logs challenges and refusals, keeps a safe caller request id, and drops the query', async () => {
    const noToken = await call(undefined, 'whoami', { 'x-request-id': 'trace-abc.1' });
    expect(noToken.status).toBe(401);
    expect(noToken.headers.get('x-request-id')).toBe('trace-abc.1');
    expect(await recordOf('trace-abc.1')).toMatchObject({ status: 401, decision: 'challenged', path: '/mcp' });

    const expired = await issuer.mint({ sub: 'bob', exp: Math.floor(Date.now() / 1000) - 3600 });
    const bad = await call(expired, 'whoami', { 'x-request-id': 'has spaces, not safe' });
    const badId = bad.headers.get('x-request-id')!;
    expect(badId).not.toBe('has spaces, not safe');
    const badRecord = await recordOf(badId);
    expect(badRecord).toMatchObject({ decision: 'challenged', path: '/mcp' });
    expect(badRecord.subject).toBeUndefined();

    const token = await issuer.mint({ sub: 'carol', scope: 'mcp' });
    const forbidden = await fetch(`${origin}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'admin', arguments: {} } }),
    });
    expect(forbidden.status).toBe(403);
    expect(await recordOf(forbidden.headers.get('x-request-id')!)).toMatchObject({ decision: 'forbidden', status: 403 });
    const inQuery = await fetch(`${origin}/mcp?access_token=${token}`, { method: 'POST', body: '{}' });
    const queryRecord = await recordOf(inQuery.headers.get('x-request-id')!);
    expect(queryRecord).toMatchObject({ path: '/mcp', decision: 'challenged' });
    const all = [...json, ...pretty].join('\n');
    for (const secret of [expired, token]) expect(all).not.toContain(secret.split('.')[2]!);
  });

  it('leaves the decision out where the gate does not decide, and logs health probes at debug', async () => {
    const doc = await fetch(`${origin}/.well-known/oauth-protected-resource/mcp`);
    expect(doc.status).toBe(200);
    const record = await recordOf(doc.headers.get('x-request-id')!);
    expect(record.decision).toBeUndefined();
    const probe = await fetch(`${origin}/healthz`);
    expect((await recordOf(probe.headers.get('x-request-id')!)).level).toBe('debug');
  });

  it('answers 500 when the handler throws, and the error record carries no credential', async () => {
    const token = await issuer.mint({ sub: 'dave' });
    const response = await fetch(`${origin}/boom`, { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(500);
    const requestId = response.headers.get('x-request-id')!;
    expect(await response.json()).toEqual({ error: 'internal_error', requestId });
    // The inner wrapper (the pretty one) caught the error and answered.
    expect(pretty.find((line) => line.includes('request failed'))).toMatch(/ERROR request failed .*requestId=\S+ .*"message":"handler failed with Bearer \[redacted\]"/);
    expect((await recordOf(requestId)).level).toBe('error');
    expect([...json, ...pretty].join('\n')).not.toContain(token.split('.')[2]!);
  });

  it('pretty lines read as one request each', () => {
    expect(pretty.some((line) => / INFO {2}POST \/mcp 200 allowed [\d.]+ms .*subject=alice/.test(line))).toBe(true);
  });
});

describe('gateDecision', () => {
  it('reads the gate from the status, the challenge and req.auth', () => {
    const auth = { token: 't', clientId: 'c', scopes: [] };
    expect(gateDecision(200, auth, false)).toBe('allowed');
    expect(gateDecision(502, auth, false)).toBe('allowed');
    expect(gateDecision(401, undefined, true)).toBe('challenged');
    expect(gateDecision(400, undefined, true)).toBe('challenged');
    expect(gateDecision(403, undefined, true)).toBe('forbidden');
    expect(gateDecision(500, undefined, false)).toBe('error');
    expect(gateDecision(413, undefined, false)).toBe('error');
    expect(gateDecision(204, undefined, false)).toBeUndefined();
  });
});

describe('acceptedRequestId', () => {
  it('keeps 1-64 safe characters and refuses anything longer, joined, or able to forge a log line', () => {
    const id64 = 'a'.repeat(64);
    const given = [id64, 'trace-abc.1:2_x', `${id64}b`, '', 'a b', 'a\nlevel=error msg=forged', 'a, b', 'é', ['a', 'b'], undefined];
    expect(given.map(acceptedRequestId)).toEqual([id64, 'trace-abc.1:2_x', undefined, undefined, undefined, undefined, undefined, undefined, undefined, undefined]);
  });
});
