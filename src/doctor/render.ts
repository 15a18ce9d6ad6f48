import { clientNames } from './profiles.js';
import type { CellStatus, DoctorReport, Finding, ProfileResult, Severity } from './types.js';

/** Colours for the text report; the CLI passes terminal ones, anything else gets plain text. */
export interface Paint {
  pass(text: string): string;
  warn(text: string): string;
  fail(text: string): string;
  dim(text: string): string;
  bold(text: string): string;
}

const PLAIN: Paint = { pass: (t) => t, warn: (t) => t, fail: (t) => t, dim: (t) => t, bold: (t) => t };

const CELL_PAINT: Record<CellStatus, keyof Paint> = { pass: 'pass', warn: 'warn', fail: 'fail', skip: 'dim', 'n/a': 'dim' };
const LABEL: Record<Severity, string> = { fail: 'FAIL', warn: 'WARN', info: 'INFO' };
const LABEL_PAINT: Record<Severity, keyof Paint> = { fail: 'fail', warn: 'warn', info: 'dim' };

function table(report: DoctorReport, paint: Paint): string[] {
  const nameWidth = Math.max(6, ...report.profiles.map((p) => p.name.length));
  const widths = report.steps.map((s) => Math.max(s.title.length, 4));
  const header = ['Client'.padEnd(nameWidth), ...report.steps.map((s, i) => s.title.padEnd(widths[i]!))].join('  ');
  const rows = report.profiles.map((profile) =>
    [profile.name.padEnd(nameWidth), ...report.steps.map((s, i) => {
      const status = profile.cells[s.id];
      return paint[CELL_PAINT[status]](status.padEnd(widths[i]!));
    })].join('  ').trimEnd(),
  );
  return [paint.bold(header.trimEnd()), ...rows];
}

function registrationLine(profile: ProfileResult, nameWidth: number, paint: Paint): string {
  const { registration: plan } = profile;
  const name = profile.name.padEnd(nameWidth);
  switch (plan.method) {
    case 'cimd':
      return `  ${name}  CIMD    ${plan.clientId ? `client_id ${plan.clientId}` : 'its client metadata document'}; redirect ${plan.redirectUris.join(', ')}`;
    case 'dcr': {
      const attempt = plan.attempt;
      const result = !attempt ? '' : attempt.accepted ? `  ${paint.pass(`accepted (${attempt.status})`)}` : `  ${paint.fail(`refused (${attempt.error ?? attempt.status})`)}`;
      return `  ${name}  DCR     redirect ${plan.redirectUris.join(', ')}${result}`;
    }
    case 'manual':
      return `  ${name}  manual  asks the user for a client ID (redirect ${plan.redirectUris.join(', ')})`;
    case 'none':
      return `  ${name}  ${paint.dim('none')}    no way to get a client ID`;
  }
}

function findingLines(finding: Finding, paint: Paint): string[] {
  const label = paint[LABEL_PAINT[finding.severity]](LABEL[finding.severity]);
  return [
    `  ${label}  ${paint.bold(finding.id)}  ${paint.dim(`[${clientNames(finding.clients)}]`)}`,
    `        ${finding.message}`,
    `        fix: ${finding.fix}`,
  ];
}

/** One line: which eras the server speaks, or why that is unknown. */
function erasLine(eras: DoctorReport['eras'], paint: Paint): string {
  if (eras.modern === 'unknown' || eras.legacy === 'unknown') return `${paint.bold('Eras')}  ${paint.dim(`not observed: ${eras.unknownBecause ?? 'unknown'}`)}`;
  const offered = eras.supportedVersions ? ` (server/discover offers ${eras.supportedVersions.join(', ') || 'nothing'})` : ` (server/discover answered ${eras.discoverAnswer ?? 'nothing'})`;
  const modern = eras.modern ? paint.pass('yes') : paint.fail('no');
  const legacy = eras.legacy ? paint.pass('yes') : paint.fail('no');
  return `${paint.bold('Eras')}  modern 2026-07-28: ${modern}${offered}; legacy 2025: ${legacy} (initialize ${eras.legacy ? 'answers' : 'gets no result'})`;
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * The doctor's report for people: the clients × steps table, how each
 * client would register, then the findings, worst first, each with its fix.
 *
 * @example
 * ```ts
 * console.log(renderReport(await diagnose(url), { registerAttempted: false }));
 * ```
 */
export function renderReport(report: DoctorReport, options: { registerAttempted: boolean; paint?: Paint }): string {
  const paint = options.paint ?? PLAIN;
  const lines = [`${paint.bold('gatehouse doctor')} ${report.url}`, '', ...table(report, paint), '', erasLine(report.eras, paint), ''];
  const nameWidth = Math.max(...report.profiles.map((p) => p.name.length));
  if (report.profiles.some((p) => p.cells.registration !== 'skip')) {
    lines.push(paint.bold('Registration'), ...report.profiles.filter((p) => p.cells.registration !== 'skip').map((p) => registrationLine(p, nameWidth, paint)));
    if (!options.registerAttempted && report.profiles.some((p) => p.registration.method === 'dcr')) {
      lines.push(paint.dim('  (not attempted; --register registers one client per profile to see which are accepted)'));
    }
    lines.push('');
  }
  if (report.findings.length > 0) {
    lines.push(paint.bold('Findings'));
    for (const finding of report.findings) lines.push(...findingLines(finding, paint));
    lines.push('');
  }
  const { fail, warn, info } = report.summary;
  const verdict = fail > 0 ? paint.fail('Some clients cannot sign in.') : warn > 0 ? paint.warn('Every client can sign in, with warnings.') : paint.pass('Every client can sign in.');
  lines.push(`${verdict} ${plural(fail, 'failure', 'failures')}, ${plural(warn, 'warning', 'warnings')}, ${plural(info, 'note', 'notes')}.`);
  return lines.join('\n');
}
