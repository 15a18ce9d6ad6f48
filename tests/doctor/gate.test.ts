import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatehouseNode } from '../../src/adapters/node/index.js';
import type { GatehouseConfigInput } from '../../src/config/schema.js';
import { diagnose, type DoctorReport } from '../../src/doctor/index.js';
import { createGatehouse } from '../../src/gatehouse.js';
import { startTestIssuer, type TestIssuer } from '../../src/testing/test-issuer.js';

/**
 * The project's own gate in resource-server mode, in front of the test
 * issuer (RFC 8414 metadata only, no DCR, no CIMD, no CORS), as the doctor
 * sees it: without the mirror, the issuer's gaps show; with the mirror and
 * the DCR façade, only what the issuer alone can fix remains.
 */

let issuer: TestIssuer;
const servers: Server[] = [];

beforeAll(async () => {
  issuer = await startTestIssuer({ scope: 'mcp' });
});

afterAll(async () => {
  for (const server of servers) server.closeAllConnections();
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  await issuer.close();
});

/** Starts the gate on 127.0.0.1 via the node adapter, with an MCP endpoint that answers `{}` once let through. */
async function startGate(settings: Partial<GatehouseConfigInput>): Promise<string> {
  // The gate needs the origin, known once the port is bound.
  const late: { guard?: ReturnType<typeof gatehouseNode> } = {};
  const server = createServer(function route(req, res) {
    void late.guard!(req, res, function notGated() {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end('{"error":"not_found"}');
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const gate = createGatehouse({ issuer: issuer.issuer, publicUrl: origin, scopes: { required: ['mcp'] }, ...settings });
  await gate.ready();
  late.guard = gatehouseNode(gate);
  return `${origin}/mcp`;
}

const ids = (report: DoctorReport, severity: string) => report.findings.filter((f) => f.severity === severity).map((f) => f.id).sort();

describe('gatehouse doctor on the gate in resource-server mode', () => {
  it('passes the gate\'s own doors and names what the plain issuer lacks', async () => {
    const report = await diagnose(await startGate({}), { timeoutMs: 5000 });
    const cells = Object.fromEntries(report.profiles.map((p) => [p.id, p.cells]));
    // The gate's part: challenge and PRM pass for everyone.
    for (const profile of report.profiles) expect([profile.id, profile.cells.challenge, profile.cells.prm]).toEqual([profile.id, 'pass', 'pass']);
    // The issuer's part: no registration, no CORS for the browser, no OpenID alias.
    expect(ids(report, 'fail')).toEqual(['cors-documents', 'cors-token', 'registration-unavailable']);
    expect(ids(report, 'warn')).toEqual(['as-metadata-openid', 'cors-documents-preflight', 'cors-not-found', 'registration-manual']);
    expect(cells.vscode!.registration).toBe('warn');
    expect(cells.sdk!.registration).toBe('fail');
    expect(cells.inspector!.cors).toBe('fail');
    expect(report.findings.find((f) => f.id === 'cors-documents')!.message).toContain(issuer.metadataUrl);
    expect(report.findings.find((f) => f.id === 'registration-unavailable')!.fix).toContain('OAUTH_MIRROR_METADATA=true');
    // 2025-03-26 clients would look for metadata on the MCP origin; current ones follow the PRM.
    expect(ids(report, 'info')).toContain('legacy-as-metadata');
  });

  it('with the mirror and the DCR façade, every step passes but the issuer\'s token endpoint CORS', async () => {
    const report = await diagnose(await startGate({ mirrorMetadata: true, registration: { clientId: 'doctor-public-client' } }), { timeoutMs: 5000, register: true });
    for (const profile of report.profiles) {
      for (const step of report.steps) {
        // The eras need a token (tests/doctor/eras.test.ts).
        const expected = step.id === 'era' ? 'skip' : step.id !== 'cors' ? 'pass' : profile.id === 'inspector' ? 'fail' : 'n/a';
        expect([profile.id, step.id, profile.cells[step.id]]).toEqual([profile.id, step.id, expected]);
      }
    }
    // Tokens still come from the issuer's own endpoint, which answers no CORS: the browser cannot exchange its code.
    expect(ids(report, 'fail')).toEqual(['cors-token']);
    expect(ids(report, 'warn')).toEqual([]);
    // The mirror drops the RFC 9207 flag on purpose (the issuer's iss is not the mirror's): a note.
    expect(ids(report, 'info')).toEqual(['cimd-unavailable', 'claude-loopback', 'iss-parameter']);
    for (const profile of report.profiles.filter((p) => p.registration.method === 'dcr')) expect(profile.registration.attempt?.accepted).toBe(true);
  });
});
