import { SOURCES } from '../requirements/index.js';
import type { Paint } from '../render.js';
import type { ConformanceReport, ConformanceStatus, Eras, RequirementResult } from './types.js';

const PLAIN: Paint = { pass: (t) => t, warn: (t) => t, fail: (t) => t, dim: (t) => t, bold: (t) => t };
const LABEL: Record<ConformanceStatus, string> = { pass: 'pass', fail: 'FAIL', warn: 'warn', 'not-observable': 'n/o' };
const LABEL_PAINT: Record<ConformanceStatus, keyof Paint> = { pass: 'pass', fail: 'fail', warn: 'warn', 'not-observable': 'dim' };

function erasLine(eras: Eras): string {
  const word = (v: boolean | 'unknown') => (v === 'unknown' ? 'unknown (needs --token)' : v ? 'yes' : 'no');
  const versions = eras.supportedVersions ? ` (server/discover: ${eras.supportedVersions.join(', ')})` : '';
  return `Eras: 2026-07-28 (modern) ${word(eras.modern)}${versions}; 2025 (legacy, initialize) ${word(eras.legacy)}`;
}

function resultLines(r: RequirementResult, paint: Paint, verbose: boolean): string[] {
  const lines = [`  ${paint[LABEL_PAINT[r.status]](LABEL[r.status].padEnd(4))}  ${r.level.padEnd(6)}  ${r.id}`];
  if (r.status === 'fail' || r.status === 'warn') {
    for (const e of r.evidence.slice(0, 3)) lines.push(paint.dim(`          ${e.request}`), paint.dim(`            → ${e.response.replace(/\s+/g, ' ').slice(0, 300)}`));
    if (r.fix) lines.push(`          fix: ${r.fix}`);
  } else if (r.status === 'not-observable' && verbose) {
    lines.push(paint.dim(`          ${r.reason ?? ''}`));
  }
  return lines;
}

/**
 * The conformance report for people: results grouped by source (MUST
 * before SHOULD), failures and warnings with their evidence and fix, then
 * the counts. `verbose` adds why each requirement was not observable.
 *
 * @example
 * ```ts
 * console.log(renderConformance(await checkConformance(url)));
 * ```
 */
export function renderConformance(report: ConformanceReport, options: { paint?: Paint; verbose?: boolean } = {}): string {
  const paint = options.paint ?? PLAIN;
  const lines = [`${paint.bold('gatehouse doctor --conformance')} ${report.url} (MCP ${report.spec} and the RFCs it relies on)`, erasLine(report.eras), ''];
  for (const source of SOURCES) {
    const mine = report.results.filter((r) => r.source === source.id).sort((a, b) => (a.level === b.level ? 0 : a.level === 'MUST' ? -1 : 1));
    if (mine.length === 0) continue;
    lines.push(paint.bold(`${source.title}`));
    for (const r of mine) lines.push(...resultLines(r, paint, options.verbose ?? false));
    lines.push('');
  }
  const { MUST, SHOULD, notObservable } = report.summary;
  const must = `MUST ${MUST.passed}/${MUST.passed + MUST.unmet}`;
  const should = `SHOULD ${SHOULD.passed}/${SHOULD.passed + SHOULD.unmet}`;
  const verdict = MUST.unmet > 0 ? paint.fail(`${MUST.unmet} MUST ${MUST.unmet === 1 ? 'requirement fails' : 'requirements fail'}.`) : paint.pass('Every MUST that could be observed passes.');
  lines.push(`${verdict} ${must}, ${should}, ${notObservable} not observable${options.verbose ? '' : ' (--verbose says why)'}.`);
  return lines.join('\n');
}
