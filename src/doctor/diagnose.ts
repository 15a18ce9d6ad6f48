import { checkAuthorizationServer } from './checks/authorization-server.js';
import { checkChallenge } from './checks/challenge.js';
import { checkCors } from './checks/cors.js';
import { checkDiscoverChallenge } from './checks/discover.js';
import { checkEras } from './checks/eras.js';
import { checkPkce } from './checks/pkce.js';
import { checkProtectedResource } from './checks/protected-resource.js';
import { checkRegistration } from './checks/registration.js';
import type { DoctorContext } from './context.js';
import { cellsFor, STEPS, type Unreached } from './grid.js';
import { Prober } from './http.js';
import { PROFILES } from './profiles.js';
import type { DoctorOptions, DoctorReport, Finding, RegistrationPlan, ServerEras, Severity, StepId } from './types.js';

export const DEFAULT_TIMEOUT_MS = 10_000;
export const DEFAULT_BROWSER_ORIGIN = 'http://localhost:6274';

const SEVERITY_ORDER: Record<Severity, number> = { fail: 0, warn: 1, info: 2 };
const STEP_ORDER = new Map(STEPS.map((s, i) => [s.id, i]));

/** A loopback port in the dynamic range, as clients that pick a random callback port do. */
function randomPort(): number {
  return 49152 + (crypto.getRandomValues(new Uint16Array(1))[0]! % 16384);
}

function sortFindings(findings: Finding[]): Finding[] {
  return findings
    .map((f, i) => ({ f, i }))
    .sort((a, b) => SEVERITY_ORDER[a.f.severity] - SEVERITY_ORDER[b.f.severity] || STEP_ORDER.get(a.f.step)! - STEP_ORDER.get(b.f.step)! || a.i - b.i)
    .map(({ f }) => f);
}

function unreachedAll(steps: StepId[]): Unreached {
  return new Map(PROFILES.map((p) => [p.id, new Set(steps)]));
}

/**
 * Probes an MCP server the way each real client does (401 to `initialize`
 * and, for 2026-07-28 clients, to `server/discover` → PRM → AS metadata →
 * PKCE → registration, plus CORS for browser clients; with a token, the
 * protocol eras the server speaks) and reports, per client and step,
 * pass/warn/fail with the findings and their fixes. Network failures become
 * findings; this never rejects for them.
 *
 * @example
 * ```ts
 * const report = await diagnose('https://mcp.example.com/mcp', { timeoutMs: 5000 });
 * if (report.summary.fail > 0) for (const f of report.findings) console.log(f.id, f.fix);
 * report.eras; // { modern: 'unknown', legacy: 'unknown', unknownBecause: '...' } without options.token
 * ```
 */
export async function diagnose(url: string, options: DoctorOptions = {}): Promise<DoctorReport> {
  if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) throw new TypeError(`"${url}" is not an http(s) URL: pass the MCP endpoint URL, e.g. https://mcp.example.com/mcp`);
  const target = new URL(url);
  target.hash = '';
  const ctx: DoctorContext = {
    url: target,
    http: new Prober({ timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS, ...(options.fetch ? { fetch: options.fetch } : {}) }),
    browserOrigin: options.browserOrigin ?? DEFAULT_BROWSER_ORIGIN,
    register: options.register ?? false,
    callbackPort: randomPort(),
    findings: [],
  };
  const plans = new Map<string, RegistrationPlan>();
  let unreached: Unreached;
  let eras: ServerEras = { modern: 'unknown', legacy: 'unknown', unknownBecause: 'nothing answered' };

  const challenge = await checkChallenge(ctx);
  if (!challenge.reachable) {
    unreached = unreachedAll(['prm', 'as-metadata', 'pkce', 'registration', 'cors', 'era']);
  } else {
    await checkDiscoverChallenge(ctx, challenge);
    const prm = await checkProtectedResource(ctx, challenge);
    const as = await checkAuthorizationServer(ctx, prm);
    checkPkce(ctx, as);
    for (const [id, plan] of await checkRegistration(ctx, as)) plans.set(id, plan);
    await checkCors(ctx, challenge, prm, as);
    eras = await checkEras(ctx, options.token);
    const erasUnknown: StepId[] = eras.modern === 'unknown' ? ['era'] : [];
    unreached = new Map(PROFILES.map((p) => [p.id, new Set<StepId>([...(as.byProfile.get(p.id) ? [] : ['pkce', 'registration'] as StepId[]), ...erasUnknown])]));
  }

  const findings = sortFindings(ctx.findings);
  const count = (severity: Severity) => findings.filter((f) => f.severity === severity).length;
  return {
    url: target.href,
    profiles: PROFILES.map((profile) => ({
      id: profile.id,
      name: profile.name,
      cells: cellsFor(profile, findings, unreached),
      registration: plans.get(profile.id) ?? { method: 'none', redirectUris: profile.redirectUris(ctx.callbackPort) },
    })),
    steps: STEPS.map((s) => ({ ...s })),
    findings,
    summary: { fail: count('fail'), warn: count('warn'), info: count('info') },
    eras,
  };
}
