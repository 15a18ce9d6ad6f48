import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkConformance, type ConformanceReport } from '../../src/doctor/conformance/index.js';
import { signInForTokens, startDemo, tempStateDir } from '../e2e/authority-harness.js';

/**
 * `gatehouse demo` judged against the requirement catalogue, with a real
 * token (a user signed in on the authority's pages) and --register: every
 * MUST passes, and at least 40 requirements are evaluated.
 */

let demo: Awaited<ReturnType<typeof startDemo>>;
const state = tempStateDir();

beforeAll(async () => {
  demo = await startDemo(state.path);
});

afterAll(async () => {
  await demo?.close();
  state.remove();
});

const failing = (report: ConformanceReport) => report.results.filter((r) => r.status === 'fail').map((r) => `${r.id}: ${JSON.stringify(r.evidence)}`);

describe('gatehouse doctor --conformance on gatehouse demo', () => {
  it('passes every MUST, with --register and a token', async () => {
    const tokens = await signInForTokens(demo.origin, { login: 'alice', scope: 'mcp' });
    const token = String(tokens.access_token);
    const report = await checkConformance(demo.mcpUrl, { register: true, token, timeoutMs: 10_000 });
    expect(failing(report)).toEqual([]);
    expect(report.summary.evaluated).toBeGreaterThanOrEqual(40);
    expect(report.summary.MUST.passed).toBeGreaterThanOrEqual(30);
    // The token went into requests, never into the report.
    expect(JSON.stringify(report)).not.toContain(token);
    // Whatever era the demo speaks, the report says so from what the server answered.
    expect(report.eras.legacy).toBe(true);
    expect(typeof report.eras.modern).toBe('boolean');
    const status = (id: string) => report.results.find((r) => r.id === id)?.status;
    for (const id of ['rfc6750/invalid-request-400', 'mcp-2026-07-28/no-query-token', 'mcp-2026-07-28/exact-redirect', 'rfc8252/loopback-any-port', 'mcp-2026-07-28/redirect-localhost-or-https']) {
      expect([id, status(id)]).toEqual([id, 'pass']);
    }
  });

  it('without a token or --register, says what it could not observe and why', async () => {
    const report = await checkConformance(demo.mcpUrl, { timeoutMs: 10_000 });
    expect(failing(report)).toEqual([]);
    expect(report.eras).toEqual({ modern: 'unknown', legacy: 'unknown', evidence: [] });
    const reason = (id: string) => report.results.find((r) => r.id === id)?.reason;
    expect(reason('mcp-2026-07-28/header-name-mismatch')).toContain('--token');
    expect(reason('rfc8252/loopback-any-port')).toContain('--register');
    expect(reason('mcp-2026-07-28/audience')).toContain('doctor holds neither');
  });
});
