import { IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGatehouse } from '../../gatehouse.js';
import { startTestIssuer, type TestIssuer } from '../../testing/index.js';
import type { Gatehouse } from '../../types.js';
import { itKeepsTheAdapterContract } from '../../../tests/helpers/adapter-contract.js';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { createMcpHandler } from '../mcp/index.js';
import { closeServer as close, listenOnLoopback, toolCall, whoamiServer, whoamiServerV2 } from '../../../tests/helpers/adapter-kit.js';
import { rawRequest as send, startUpload } from '../../../tests/helpers/raw-http.js';
import { gateRequestOf, gatehouseNode, toWebRequest, writeWebResponse, type GatedIncomingMessage } from './index.js';

describe('toWebRequest', () => {
  let server: Server;
  let origin: string;
  let seen: Request | undefined;
  let seenBody = '';

  beforeAll(async () => {
    ({ server, origin } = await listenOnLoopback(async (req, res) => {
      const trust = req.headers['x-test-trust'] === 'yes';
      seen = toWebRequest(req, trust ? { trustProxy: true } : {});
      seenBody = seen.body ? await seen.text() : '';
      res.end('ok');
    }));
  });
  afterAll(() => close(server));

  it('keeps duplicate headers, joined with ", ", that Node itself drops', async () => {
    await send(`${origin}/mcp?x=1`, { headers: { authorization: ['Bearer a', 'Bearer b'], 'x-one': 'only' } });
    expect(seen?.headers.get('authorization')).toBe('Bearer a, Bearer b');
    expect(seen?.headers.get('x-one')).toBe('only');
  });

  it('uses a fixed origin, never the Host header, unless trustProxy says so', async () => {
    await send(`${origin}/mcp?x=1`, { headers: { host: 'evil.example' } });
    expect(seen?.url).toBe('http://localhost/mcp?x=1');
    await send(`${origin}/mcp`, { headers: { host: 'mcp.example.com:8443', 'x-test-trust': 'yes' } });
    expect(seen?.url).toBe('http://mcp.example.com:8443/mcp');
  });

  it('streams the body of a request on demand', async () => {
    await send(`${origin}/upload`, { method: 'POST', body: 'hello body' });
    expect(seenBody).toBe('hello body');
  });
});

describe('gateRequestOf', () => {
  function incoming(url: string, rawHeaders: string[] = []): IncomingMessage {
    const req = new IncomingMessage(new Socket());
    req.method = 'post';
    req.url = url;
    req.rawHeaders = rawHeaders;
    return req;
  }

  it('gives the URL and pathname the URL parser gives, fast path or not', () => {
    const targets = [
      '/mcp', '/mcp?x=1&y=%20z', '/MCP/', '/a/../mcp', '/./mcp', '/%6Dcp', '//mcp', '/mcp//x', '/a\\mcp', '/mcp?q=a b',
      "/mcp?q='x'", '/m cp', '/mcp#frag', '/mcp?', '/', '/mcp/x;y=1', '/mcp?a=<b>', '/é', 'http://elsewhere.example/mcp?z=1',
    ];
    for (const origin of ['https://mcp.example.com', 'http://localhost:3000/base']) {
      for (const target of targets) {
        const light = gateRequestOf(incoming(target), { origin });
        const parsed = new URL(`${new URL(origin).origin}${target.startsWith('/') ? target : new URL(target).pathname + new URL(target).search}`);
        expect({ target, url: light.url, pathname: light.pathname }).toEqual({ target, url: parsed.href, pathname: parsed.pathname });
        expect(light.method).toBe('POST');
      }
    }
  });

  it('reads repeated headers joined, whatever their case', () => {
    const light = gateRequestOf(incoming('/mcp', ['Authorization', 'Bearer a', 'X-Long-Header-Name', 'v', 'AUTHORIZATION', 'Bearer b']));
    expect(light.headers.get('authorization')).toBe('Bearer a, Bearer b');
    expect(light.headers.get('x-long-header-name')).toBe('v');
    expect(light.headers.get('x-missing')).toBeNull();
  });
});

describe('writeWebResponse', () => {
  let server: Server;
  let origin: string;
  let release: () => void = () => {};

  beforeAll(async () => {
    ({ server, origin } = await listenOnLoopback((req, res) => {
      const encoder = new TextEncoder();
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(encoder.encode('event: message\ndata: first\n\n'));
          // The second event is only produced after the client has read the first one.
          release = () => {
            controller.enqueue(encoder.encode('event: message\ndata: second\n\n'));
            controller.close();
          };
        },
      });
      const headers = new Headers({ 'content-type': 'text/event-stream' });
      headers.append('set-cookie', 'a=1; Path=/');
      headers.append('set-cookie', 'b=2; Path=/');
      void writeWebResponse(res, new Response(body, { status: 200, headers }));
    }));
  });
  afterAll(() => close(server));

  it('streams Server-Sent Events as they are produced, and keeps cookies apart', async () => {
    const response = await fetch(`${origin}/events`);
    expect(response.headers.getSetCookie()).toEqual(['a=1; Path=/', 'b=2; Path=/']);
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    const first = await reader.read();
    // Had the body been buffered, this read would never resolve: the stream only ends after `release`.
    expect(decoder.decode(first.value)).toContain('data: first');
    release();
    let rest = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      rest += decoder.decode(value);
    }
    expect(rest).toContain('data: second');
  });
});

describe('gatehouseNode', () => {
  let issuer: TestIssuer;
  let gate: Gatehouse;
  let server: Server;
  let origin: string;
  let reached: { auth?: unknown; body?: unknown; other?: string } = {};
  const v2 = createMcpHandler(() => whoamiServerV2('node-v2'));
  const v1 = createMcpHandler(() => whoamiServer('node-v1'));
  // The SDK's own node:http adapter in front of the v2 server: it reads req.auth, and the body the gate parsed.
  const v2Node = toNodeHandler(v2);

  beforeAll(async () => {
    issuer = await startTestIssuer({ audience: 'http://localhost:3000/mcp' });
    gate = createGatehouse({
      issuer: issuer.issuer,
      publicUrl: 'http://localhost:3000',
      scopes: { tools: { admin_report: ['mcp:admin'] } },
    });
    await gate.ready();
    const guard = gatehouseNode(gate, { maxBodyBytes: 64 * 1024 });
    ({ server, origin } = await listenOnLoopback((req: IncomingMessage, res: ServerResponse) => {
      void guard(req, res, async function next() {
        const gated = req as GatedIncomingMessage;
        if (req.url === '/mcp?sdk=v2') return v2Node(gated, res, gated.body);
        if (req.url === '/mcp?sdk=v1') return v1.node(gated, res);
        if (req.url === '/other') {
          // An unprotected route: its body must still be unread.
          const chunks: Buffer[] = [];
          for await (const chunk of req) chunks.push(chunk as Buffer);
          reached = { other: Buffer.concat(chunks).toString('utf8') };
          res.end('other');
          return;
        }
        reached = { auth: gated.auth, body: gated.body };
        res.setHeader('mcp-session-id', 'abc');
        res.end(JSON.stringify({ ok: true }));
      });
    }));
  });
  afterAll(async () => {
    await Promise.all([v1.close(), v2.close()]);
    await close(server);
    gate.close();
    await issuer.close();
  });

  itKeepsTheAdapterContract({ origin: () => origin, issuer: () => issuer, lastSeen: () => reached, maxBodyBytes: 64 * 1024, sdkServers: { v2: '?sdk=v2', v1: '?sdk=v1' } });

  it('still finds a guarded tools/call in a gzip body (the light path hands it to the full check)', async () => {
    const token = await issuer.mint({ scope: 'mcp' });
    const res = await send(`${origin}/mcp`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: gzipSync(toolCall('admin_report')),
    });
    expect(res.status).toBe(403);
    expect(res.headers['www-authenticate']).toContain('mcp:admin');
  });

  it('closes the connection after refusing a request whose unread body is large or of unknown length, not after a small one', async () => {
    const chunked = startUpload(`${origin}/mcp`, { mode: 'hold' });
    const small = await send(`${origin}/mcp`, { method: 'POST', headers: { 'content-type': 'application/json', connection: 'keep-alive' }, body: toolCall('whoami') });
    try {
      expect([(await chunked.response).headers.connection, small.status, small.headers.connection]).toEqual(['close', 401, 'keep-alive']);
    } finally {
      chunked.close();
    }
  });

  it('leaves the body of unprotected routes unread for the next handler', async () => {
    const res = await send(`${origin}/other`, { method: 'POST', body: 'payload for someone else' });
    expect(res.status).toBe(200);
    expect(reached.other).toBe('payload for someone else');
  });
});
