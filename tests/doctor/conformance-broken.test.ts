import { afterAll, describe, expect, it } from 'vitest';
import { checkConformance, type ConformanceReport } from '../../src/doctor/index.js';
import { GOOD_TOKEN } from './broken-server-parts.js';
import { startBrokenServer, type BrokenServer, type Defect } from './broken-servers.js';

/**
 * The purpose-built server, correct, then with one defect each: under
 * `--conformance` (with --register and a token, so that every check runs)
 * the correct one fails no MUST and each broken one fails exactly the
 * requirement it breaks, at MUST level, and nothing else.
 */

const servers: BrokenServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

async function judge(defect: Defect): Promise<ConformanceReport> {
  const server = await startBrokenServer(defect);
  servers.push(server);
  return checkConformance(server.url, { register: true, token: GOOD_TOKEN, timeoutMs: 5000 });
}

const mustFailures = (report: ConformanceReport) => report.results.filter((r) => r.status === 'fail').map((r) => r.id);

const CASES: { defect: Defect; fails: string }[] = [
  { defect: 'verifier-500', fails: 'mcp-2026-07-28/invalid-token-401' },
  { defect: 'accepts-unsigned', fails: 'mcp-2026-07-28/validate-before-processing' },
  { defect: 'query-token-accepted', fails: 'mcp-2026-07-28/no-query-token' },
  { defect: 'prm-only-root', fails: 'rfc9728/well-known-location' },
  { defect: 'no-authorization-servers', fails: 'mcp-2026-07-28/prm-authorization-servers' },
  { defect: 'issuer-mismatch', fails: 'rfc8414/issuer-identical' },
  { defect: 'pkce-plain-only', fails: 'rfc7636/s256' },
  { defect: 'oidc-no-pkce', fails: 'mcp-2026-07-28/oidc-pkce-advertised' },
  { defect: 'accepts-http-redirect', fails: 'mcp-2026-07-28/redirect-localhost-or-https' },
  { defect: 'open-redirect', fails: 'mcp-2026-07-28/exact-redirect' },
  { defect: 'fixed-loopback-port', fails: 'rfc8252/loopback-any-port' },
  { defect: 'no-method-check', fails: 'mcp-2026-07-28/header-method-mismatch' },
];

describe('gatehouse doctor --conformance on the correct purpose-built server', () => {
  it('fails no MUST, and evaluates the 2026-07-28 and --register checks', async () => {
    const report = await judge('none');
    expect(mustFailures(report)).toEqual([]);
    expect(report.eras).toMatchObject({ modern: true, legacy: true, supportedVersions: ['2026-07-28'] });
    const status = (id: string) => report.results.find((r) => r.id === id)?.status;
    for (const id of ['mcp-2026-07-28/header-name-mismatch', 'mcp-2026-07-28/unsupported-version', 'mcp-2026-07-28/unknown-method-404', 'rfc8252/loopback-any-port', 'rfc9207/iss-in-responses', 'mcp-2026-07-28/no-query-token']) {
      expect([id, status(id)]).toEqual([id, 'pass']);
    }
  });
});

describe.each(CASES)('gatehouse doctor --conformance on a server with one defect: $defect', ({ defect, fails }) => {
  it(`fails ${fails} and no other MUST`, async () => {
    const report = await judge(defect);
    expect(mustFailures(report)).toEqual([fails]);
    const result = report.results.find((r) => r.id === fails)!;
    expect(result.evidence.length).toBeGreaterThan(0);
    expect(result.fix).toMatch(/\S/);
    expect(JSON.stringify(report)).not.toContain(GOOD_TOKEN);
  });
});
