/**
 * Small numeric and text helpers shared by the benchmarks: medians, and a
 * plain-text table that lines up in any terminal.
 */

/**
 * The median of a list of numbers (the mean of the two middle values for an
 * even count); `NaN` for an empty list. Medians, not means: on a shared,
 * noisy machine one bad round should not move the figure.
 *
 * @example
 * ```ts
 * median([3, 1, 2]); // 2
 * ```
 */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * A number with thousands separators and a fixed number of decimals.
 *
 * @example
 * ```ts
 * formatNumber(12345.678, 1); // '12,345.7'
 * ```
 */
export function formatNumber(value: number, decimals = 0): string {
  if (!Number.isFinite(value)) return 'n/a';
  return value.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}

/**
 * Lays rows out as a text table: the first column left-aligned, the others
 * right-aligned, two spaces between columns.
 *
 * @example
 * ```ts
 * console.log(table(['config', 'req/s'], [['no auth', '14,000']]));
 * ```
 */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const all = [header, ...rows];
  const widths = header.map((_, column) => Math.max(...all.map((row) => (row[column] ?? '').length)));
  const line = (row: readonly string[]) =>
    row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  ').trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(header), rule, ...rows.map(line)].join('\n');
}

/**
 * Whether this bench runs compiled (`npm run bench` builds it into
 * `.bench-build/` first): the servers under load then run JavaScript as
 * users do. Under tsx (`node --import tsx bench/...`, handy while working)
 * every function made per request is wrapped for its name, which puts
 * microseconds per request on the servers that are not the gate's.
 */
const COMPILED = import.meta.url.endsWith('.js');

/**
 * A script beside this one, as it exists in this run (`.ts` under tsx, `.js` compiled).
 *
 * @example
 * ```ts
 * fork(besideBench('./server'), [], { execArgv: childExecArgv() });
 * ```
 */
export function besideBench(relative: string): URL {
  return new URL(`${relative}${COMPILED ? '.js' : '.ts'}`, import.meta.url);
}

/**
 * The flags the servers' child processes start with: tsx when the bench is
 * not compiled, plus `--cpu-prof` into `BENCH_PROFILE_DIR` when it is set
 * (to find where a server's time goes).
 *
 * @example
 * ```ts
 * fork(script, [], { execArgv: childExecArgv() });
 * ```
 */
export function childExecArgv(): string[] {
  const dir = process.env.BENCH_PROFILE_DIR;
  return [...(COMPILED ? [] : ['--import', 'tsx']), ...(dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [])];
}

/** What every load-tested row reports: the medians of one configuration over its rounds. */
export interface LoadRow {
  requestsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  /** Every round's requests per second, in the order run. */
  rounds: number[];
  /** Responses that were not 2xx, or connection errors: any is a broken benchmark. */
  failures: number;
}
