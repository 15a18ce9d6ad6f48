import { DEFAULT_BROWSER_ORIGIN, DEFAULT_TIMEOUT_MS } from '../diagnose.js';
import type { DoctorContext } from '../context.js';
import { Prober } from '../http.js';
import { catalogue, DEFAULT_SPEC } from '../requirements/index.js';
import type { CheckId, Requirement } from '../requirements/types.js';
import { ACTIVE_CHECKS } from './checks-active.js';
import { CHALLENGE_CHECKS } from './checks-challenge.js';
import { CORS_CHECKS } from './checks-cors.js';
import { METADATA_CHECKS } from './checks-metadata.js';
import { notObservable } from './evidence.js';
import { observe, type Observed } from './observe.js';
import type { ConformanceOptions, ConformanceReport, ConformanceStatus, RequirementResult, Verdict } from './types.js';

/** Every check by id: the type makes a requirement naming a missing check a compile error. */
const CHECKS: Record<CheckId, (o: Observed) => Verdict> = { ...CHALLENGE_CHECKS, ...METADATA_CHECKS, ...ACTIVE_CHECKS, ...CORS_CHECKS };

function statusOf(requirement: Requirement, verdict: Verdict): ConformanceStatus {
  if (verdict.met === 'not-observable') return 'not-observable';
  if (verdict.met) return 'pass';
  return requirement.level === 'MUST' ? 'fail' : 'warn';
}

function judge(requirement: Requirement, observed: Observed): RequirementResult {
  const verdict = 'check' in requirement.observe
    ? observed.reachable || requirement.observe.check.startsWith('cors-') ? CHECKS[requirement.observe.check](observed) : notObservable('the server did not answer')
    : notObservable(requirement.observe.unobservable);
  const status = statusOf(requirement, verdict);
  const fix = verdict.met === false ? (verdict.fix ?? requirement.fix) : undefined;
  return {
    id: requirement.id, source: requirement.source, level: requirement.level, status,
    sentence: requirement.sentence, link: requirement.link, evidence: verdict.evidence,
    ...(fix ? { fix } : {}), ...(verdict.met === 'not-observable' ? { reason: verdict.reason } : {}),
  };
}

function randomPort(): number {
  return 49152 + (crypto.getRandomValues(new Uint16Array(1))[0]! % 16384);
}

/**
 * `gatehouse doctor --conformance`: judges an MCP server (and its
 * authorization server) against every requirement of the catalogue for one
 * MCP revision, each pass / fail / warn / not observable with its evidence.
 * Network failures become results; this never rejects for them.
 *
 * @example
 * ```ts
 * const report = await checkConformance('https://mcp.example.com/mcp', { spec: '2026-07-28' });
 * if (report.summary.MUST.unmet > 0) process.exitCode = 1;
 * ```
 */
export async function checkConformance(url: string, options: ConformanceOptions = {}): Promise<ConformanceReport> {
  if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) throw new TypeError(`"${url}" is not an http(s) URL: pass the MCP endpoint URL, e.g. https://mcp.example.com/mcp`);
  const target = new URL(url);
  target.hash = '';
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const ctx: DoctorContext = {
    url: target,
    http: new Prober({ timeoutMs, ...(options.fetch ? { fetch: options.fetch } : {}) }),
    browserOrigin: options.browserOrigin ?? DEFAULT_BROWSER_ORIGIN,
    register: false,
    callbackPort: randomPort(),
    findings: [],
  };
  const spec = options.spec ?? DEFAULT_SPEC;
  const observed = await observe(ctx, { ...(options.token ? { token: options.token } : {}), register: options.register ?? false, timeoutMs });
  const results = catalogue(spec).map((r) => judge(r, observed));
  const count = (level: 'MUST' | 'SHOULD', status: ConformanceStatus) => results.filter((r) => r.level === level && r.status === status).length;
  const notObservableCount = results.filter((r) => r.status === 'not-observable').length;
  return {
    url: target.href,
    spec,
    eras: observed.modern.eras,
    results,
    summary: {
      MUST: { passed: count('MUST', 'pass'), unmet: count('MUST', 'fail') },
      SHOULD: { passed: count('SHOULD', 'pass'), unmet: count('SHOULD', 'warn') },
      notObservable: notObservableCount,
      evaluated: results.length - notObservableCount,
    },
  };
}
