import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../log/logger.js';
import { serve, type ServedHttp } from './serve.js';

/** A server-sent events endpoint whose end the test decides. */
function sseApp() {
  let release: () => void = () => {};
  const released = new Promise<void>((resolve) => (release = resolve));
  async function app(req: IncomingMessage, res: ServerResponse) {
    if (req.url === '/stream') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
      res.write('data: first\n\n');
      await released;
      if (res.destroyed) return;
      res.end('data: last\n\n');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('hello');
  }
  return { app, release };
}

/** Reads a text stream until it ends or breaks; resolves with what arrived and how it ended. */
async function readAll(body: ReadableStream<Uint8Array>, onChunk?: (text: string) => void): Promise<{ text: string; ended: 'done' | 'error' }> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return { text, ended: 'done' };
      text += decoder.decode(value, { stream: true });
      onChunk?.(text);
    }
  } catch {
    return { text, ended: 'error' };
  }
}

/**
 * Serves the SSE app with a logger writing into `lines`, and opens `/stream`;
 * resolves once its first event arrived, with the stream still open.
 */
async function serveOpenStream(lines: string[]) {
  const served = await serve({ host: '127.0.0.1', port: 0, logger: createLogger({ write: (line) => void lines.push(line) }) });
  const origin = `http://127.0.0.1:${served.port}`;
  const { app, release } = sseApp();
  served.ready(app);
  const stream = await fetch(`${origin}/stream`);
  let sawFirst: () => void = () => {};
  const first = new Promise<void>((resolve) => (sawFirst = resolve));
  const reading = readAll(stream.body!, (text) => text.includes('first') && sawFirst());
  await first;
  return { served, origin, release, reading };
}

describe('serve', () => {
  let served: ServedHttp | undefined;
  afterEach(async () => {
    await served?.close();
    served = undefined;
  });

  it('is alive once listening and ready only once the app is in', async () => {
    served = await serve({ host: '127.0.0.1', port: 0, startWaitMs: 20 });
    const origin = `http://127.0.0.1:${served.port}`;
    expect((await fetch(`${origin}/healthz`)).status).toBe(200);
    const starting = await fetch(`${origin}/readyz`);
    expect(starting.status).toBe(503);
    expect(await starting.json()).toEqual({ status: 'starting' });
    expect((await fetch(`${origin}/mcp`)).status).toBe(503);

    served.ready(sseApp().app);
    const ready = await fetch(`${origin}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });
    expect(await (await fetch(`${origin}/anything`)).text()).toBe('hello');
  });

  it('drains: an open SSE stream finishes, /readyz says 503 meanwhile, then the port closes', async () => {
    const lines: string[] = [];
    const open = await serveOpenStream(lines);
    const { origin, release, reading } = open;
    served = open.served;
    expect(served.inFlight).toBe(1);

    const stopping = served.shutdown(30_000);
    expect(served.state).toBe('draining');
    const readiness = await fetch(`${origin}/readyz`);
    expect(readiness.status).toBe(503);
    expect(await readiness.json()).toEqual({ status: 'draining' });
    expect((await fetch(`${origin}/healthz`)).status).toBe(200);
    const late = await fetch(`${origin}/late`);
    expect(await late.text()).toBe('hello');
    expect(late.headers.get('connection')).toBe('close');

    release();
    expect(await reading).toEqual({ text: 'data: first\n\ndata: last\n\n', ended: 'done' });
    await stopping;
    expect(served.state).toBe('closed');
    await expect(fetch(`${origin}/healthz`)).rejects.toThrow();
    const streamRecord = lines.map((l) => JSON.parse(l)).find((r) => r.msg === 'request' && r.path === '/stream');
    expect(streamRecord).toMatchObject({ status: 200, method: 'GET' });
    expect(streamRecord.aborted).toBeUndefined();
  });

  it('closes a stream that does not finish in time, and says so', async () => {
    const lines: string[] = [];
    const open = await serveOpenStream(lines);
    const { release, reading } = open;
    served = open.served;

    await served.shutdown(200);
    const result = await reading;
    expect(result.text).toBe('data: first\n\n');
    expect(['done', 'error']).toContain(result.ended);
    expect(lines.some((l) => JSON.parse(l).msg === 'shutdown timeout: closing open requests')).toBe(true);
    release();
  });

  it('holds a request that arrives while starting and serves it once the app is in', async () => {
    served = await serve({ host: '127.0.0.1', port: 0, protectedPath: '/mcp', startWaitMs: 60_000 });
    const origin = `http://127.0.0.1:${served.port}`;
    let settled = false;
    const early = fetch(`${origin}/mcp`).then(async (r) => {
      settled = true;
      return { status: r.status, text: await r.text() };
    });
    // An unrelated probe is answered while the early request waits.
    expect((await fetch(`${origin}/readyz`)).status).toBe(503);
    expect(settled).toBe(false);
    served.ready(sseApp().app);
    expect(await early).toEqual({ status: 200, text: 'hello' });
  });

  it('after the bounded wait answers 503 with a JSON-RPC error on the MCP endpoint and an OAuth error elsewhere, never {"status":"starting"}', async () => {
    served = await serve({ host: '127.0.0.1', port: 0, protectedPath: '/mcp', startWaitMs: 10 });
    const origin = `http://127.0.0.1:${served.port}`;
    const mcp = await fetch(`${origin}/mcp`, { method: 'POST', body: '{"jsonrpc":"2.0","id":1,"method":"ping"}' });
    expect(mcp.status).toBe(503);
    expect(mcp.headers.get('retry-after')).toBe('5');
    expect(await mcp.json()).toEqual({ jsonrpc: '2.0', id: null, error: { code: -32000, message: expect.stringContaining('starting') } });
    const document = await fetch(`${origin}/.well-known/oauth-protected-resource/mcp`, { headers: { origin: 'https://app.example' } });
    expect(document.status).toBe(503);
    expect(document.headers.get('access-control-allow-origin')).toBe('*');
    expect(await document.json()).toEqual({ error: 'temporarily_unavailable', error_description: expect.stringContaining('starting') });
  });

  it('logs /readyz 503s while starting at debug, not as errors', async () => {
    const lines: string[] = [];
    served = await serve({ host: '127.0.0.1', port: 0, logger: createLogger({ level: 'debug', write: (line) => void lines.push(line) }) });
    expect((await fetch(`http://127.0.0.1:${served.port}/readyz`)).status).toBe(503);
    await new Promise((resolve) => setImmediate(resolve));
    const record = lines.map((l) => JSON.parse(l)).find((r) => r.path === '/readyz');
    expect(record).toMatchObject({ level: 'debug', status: 503 });
  });

  it('answers a 404 under /.well-known/ with CORS, so a browser client sees the 404', async () => {
    served = await serve({ host: '127.0.0.1', port: 0 });
    served.ready((_req, res) => {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end('{"error":"not_found"}');
    });
    const origin = `http://127.0.0.1:${served.port}`;
    const missing = await fetch(`${origin}/.well-known/no-such-doc`, { headers: { origin: 'https://app.example' } });
    expect(missing.status).toBe(404);
    expect(missing.headers.get('access-control-allow-origin')).toBe('*');
    expect((await fetch(`${origin}/not-well-known`)).headers.get('access-control-allow-origin')).toBeNull();
  });
});
