// Prints the mutants no test killed, per file, from Stryker's JSON report:
//   npm run mutate:survivors                       (reports/mutation/all.json)
//   npm run mutate:survivors -- reports/mutation/gate.json
// One line each: file:line:column  status  mutator  original → replacement.
import { readFileSync } from 'node:fs';

const LIVE = new Set(['Survived', 'NoCoverage']);

const reportPath = process.argv[2] ?? 'reports/mutation/all.json';
const report = JSON.parse(readFileSync(reportPath, 'utf8'));

/** The source text a mutant replaced, on one line and cut short. */
function original(source, { start, end }) {
  const lines = source.split('\n').slice(start.line - 1, end.line);
  lines[lines.length - 1] = lines[lines.length - 1].slice(0, start.line === end.line ? end.column - 1 : end.column - 1);
  lines[0] = lines[0].slice(start.column - 1);
  return oneLine(lines.join('\n'));
}

function oneLine(text) {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 80 ? `${flat.slice(0, 77)}...` : flat;
}

let live = 0;
let total = 0;
for (const [file, { source, mutants }] of Object.entries(report.files).sort(([a], [b]) => a.localeCompare(b))) {
  total += mutants.length;
  const survivors = mutants
    .filter((m) => LIVE.has(m.status))
    .sort((a, b) => a.location.start.line - b.location.start.line || a.location.start.column - b.location.start.column);
  if (survivors.length === 0) continue;
  live += survivors.length;
  console.log(`\n${file} (${survivors.length} of ${mutants.length} alive)`);
  for (const m of survivors) {
    const { line, column } = m.location.start;
    console.log(`  ${file}:${line}:${column}  ${m.status}  ${m.mutatorName}  ${original(source, m.location)} → ${oneLine(m.replacement ?? '')}`);
  }
}
console.log(`\n${live} of ${total} mutants alive in ${reportPath}`);
