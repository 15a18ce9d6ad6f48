import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatehouseNode } from '../../src/adapters/node/index.js';
import { checkConformance, type ConformanceReport } from '../../src/doctor/index.js';
import { createGatehouse } from '../../src/gatehouse.js';
import { startTestIssuer, type TestIssuer } from '../../src/testing/test-issuer.js';
import { startTestProxy, type TestProxy } from '../proxy/harness.js';
import { startRecordingUpstream, type RecordingUpstream } from '../proxy/recording-upstream.js';

/**
 * `gatehouse proxy` (its own authority, in front of an upstream) and the gate
 * in resource-server mode (in front of the test issuer, metadata mirrored)
 * under `--conformance`: every MUST that can be observed passes.
 */

const mustFailures = (report: ConformanceReport) => report.results.filter((r) => r.status === 'fail').map((r) => `${r.id}: ${JSON.stringify(r.evidence)}`);

describe('gatehouse doctor --conformance on gatehouse proxy', () => {
  let upstream: RecordingUpstream;
  let proxy: TestProxy;
  beforeAll(async () => {
    upstream = await startRecordingUpstream();
    proxy = await startTestProxy({ upstream: upstream.url });
  });
  afterAll(async () => {
    await proxy?.stop();
    await upstream?.close();
  });

  it('passes every MUST, with --register', async () => {
    const report = await checkConformance(proxy.mcpUrl, { register: true, timeoutMs: 10_000 });
    expect(mustFailures(report)).toEqual([]);
    expect(report.summary.evaluated).toBeGreaterThanOrEqual(40);
  });
});

describe('gatehouse doctor --conformance on the gate in resource-server mode', () => {
  let issuer: TestIssuer;
  let server: Server;
  let mcpUrl: string;
  beforeAll(async () => {
    issuer = await startTestIssuer({ scope: 'mcp' });
    const late: { guard?: ReturnType<typeof gatehouseNode> } = {};
    server = createServer(function route(req, res) {
      void late.guard!(req, res, function notGated() {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end('{"error":"not_found"}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const gate = createGatehouse({ issuer: issuer.issuer, publicUrl: origin, scopes: { required: ['mcp'] }, mirrorMetadata: true });
    await gate.ready();
    late.guard = gatehouseNode(gate);
    mcpUrl = `${origin}/mcp`;
  });
  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    await issuer?.close();
  });

  it('passes every MUST, the gate\'s and the mirrored metadata\'s', async () => {
    const token = await issuer.mint({ aud: mcpUrl, scope: 'mcp' });
    const report = await checkConformance(mcpUrl, { token, timeoutMs: 5000 });
    expect(mustFailures(report)).toEqual([]);
    const status = (id: string) => report.results.find((r) => r.id === id)?.status;
    for (const id of ['mcp-2026-07-28/invalid-token-401', 'mcp-2026-07-28/validate-before-processing', 'mcp-2026-07-28/no-query-token', 'rfc6750/invalid-request-400', 'rfc9728/resource-identical']) {
      expect([id, status(id)]).toEqual([id, 'pass']);
    }
  });
});
