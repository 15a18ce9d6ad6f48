import { SOURCES } from '../requirements/index.js';
import type { ConformanceReport, RequirementResult } from './types.js';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };
/** XML 1.0 allows no control characters but tab, newline and carriage return. */
const allowedInXml = (c: string) => c.charCodeAt(0) >= 0x20 || c === '\t' || c === '\n' || c === '\r';
const escape = (text: string) => [...text].filter(allowedInXml).join('').replace(/[&<>"']/g, (c) => ESCAPES[c]!);

function evidenceText(r: RequirementResult): string {
  return r.evidence.map((e) => `${e.request}\n  -> ${e.response}`).join('\n');
}

function testcase(r: RequirementResult): string {
  const open = `    <testcase classname="${escape(r.source)}" name="${escape(`${r.level} ${r.id}`)}">`;
  if (r.status === 'pass') return `${open}</testcase>`;
  if (r.status === 'not-observable') return `${open}<skipped message="${escape(r.reason ?? 'not observable')}"/></testcase>`;
  // A SHOULD not met is a failure too for a CI system; its type says which.
  const type = r.status === 'fail' ? 'MUST' : 'SHOULD';
  return `${open}<failure type="${type}" message="${escape(r.fix ?? r.sentence)}">${escape(`${r.sentence}\n${r.link}\n\n${evidenceText(r)}`)}</failure></testcase>`;
}

/**
 * The report as JUnit XML, one test suite per source, one test case per
 * requirement: pass, `<failure>` (MUST or SHOULD, in `type`), `<skipped>`
 * for not observable.
 *
 * @example
 * ```ts
 * writeFileSync('conformance.xml', conformanceJunit(report));
 * ```
 */
export function conformanceJunit(report: ConformanceReport): string {
  const suites = SOURCES.map((source) => {
    const mine = report.results.filter((r) => r.source === source.id);
    if (mine.length === 0) return '';
    const failures = mine.filter((r) => r.status === 'fail' || r.status === 'warn').length;
    const skipped = mine.filter((r) => r.status === 'not-observable').length;
    return [
      `  <testsuite name="${escape(source.title)}" tests="${mine.length}" failures="${failures}" skipped="${skipped}">`,
      ...mine.map(testcase),
      '  </testsuite>',
    ].join('\n');
  }).filter(Boolean);
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="${escape(`gatehouse doctor --conformance ${report.url} (MCP ${report.spec})`)}">\n${suites.join('\n')}\n</testsuites>\n`;
}
