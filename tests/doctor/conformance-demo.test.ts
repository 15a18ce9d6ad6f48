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
    const report = await checkConformance(demo.mcpUrl, { register: true, token: String(tokens.access_token), timeoutMs: 10_000 });
    console.log(report.results.map((r) => `${r.status.padEnd(15)} ${r.level.padEnd(6)} ${r.id} ${r.reason ?? ''} ${r.status === 'warn' || r.status === 'fail' ? JSON.stringify(r.evidence) : ''}`).join('\n'));
    console.log(JSON.stringify(report.eras, null, 1), report.summary);
    expect(failing(report)).toEqual([]);
    expect(report.summary.evaluated).toBeGreaterThanOrEqual(40);
  });
});
