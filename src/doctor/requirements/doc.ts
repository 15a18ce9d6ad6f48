import { allRequirements, SOURCES, SPEC_REVISIONS } from './index.js';
import type { Requirement } from './types.js';

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function row(r: Requirement): string {
  const how = 'check' in r.observe ? `\`${r.observe.check}\`` : `not observable: ${r.observe.unobservable}`;
  const note = r.note ? `<br>*${cell(r.note)}*` : '';
  return `| \`${r.id}\` | ${r.level} | ${cell(r.sentence)} [↗](${r.link})${note} | ${cell(how)} |`;
}

/**
 * docs/conformance.md, generated from the catalogue: every requirement of
 * every source with its level, the sentence and link, and the check that
 * judges it (or why none can). `npm run docs:conformance` writes it; a test
 * keeps it up to date.
 *
 * @example
 * ```ts
 * writeFileSync('docs/conformance.md', conformanceDoc());
 * ```
 */
export function conformanceDoc(): string {
  const all = allRequirements();
  const observable = all.filter((r) => 'check' in r.observe).length;
  const lines = [
    '# Conformance catalogue',
    '',
    '<!-- Generated from src/doctor/requirements/ by `npm run docs:conformance`; do not edit by hand. -->',
    '',
    '`gatehouse doctor --conformance [--spec <revision>] [--register] [--token <token>] <url>` judges an MCP server',
    'and its authorization server against these requirements: each **pass**, **fail** (a MUST not met; exit code 1),',
    '**warn** (a SHOULD not met) or **not observable**, with the requests sent and the answers as evidence, and a',
    `one-line fix. \`--spec\` picks the MCP revision (${SPEC_REVISIONS.join(', ')}; default ${SPEC_REVISIONS[0]}); the RFC requirements apply under each.`,
    '',
    `${all.length} requirements, ${observable} with a check, ${all.length - observable} that no outside observer can judge (listed with the reason, so the coverage is honest).`,
    '',
    'What the options add:',
    '',
    '- `--token <token>`: an access token for the server. The doctor then learns which eras the server speaks (2026-07-28 if',
    '  `server/discover` offers it, 2025 if `initialize` answers), checks a token in the query string is refused, and, on a',
    '  server that speaks 2026-07-28, the header/body cross-checks (`-32020`). The token is never printed.',
    '- `--register`: registers test clients (some that must be refused) and sends authorization requests for one of them,',
    '  judging the first answer; nobody signs in.',
    '- A requirement that applies only to some servers (the 2026-07-28 transport rules, OpenID discovery rules) is',
    '  *not observable* on a server it does not apply to, with the reason.',
    '- On a loopback address the https requirements are not judged: a development instance says nothing of a deployment.',
    '',
    'Levels: MUST NOT counts as MUST, SHOULD NOT and RECOMMENDED as SHOULD, REQUIRED as MUST.',
    '',
  ];
  for (const source of SOURCES) {
    const mine = all.filter((r) => r.source === source.id);
    if (mine.length === 0) continue;
    lines.push(`## ${source.title}`, '', `Source: ${source.url}`, '', '| id | level | requirement | check |', '| --- | --- | --- | --- |', ...mine.map(row), '');
  }
  return lines.join('\n');
}
