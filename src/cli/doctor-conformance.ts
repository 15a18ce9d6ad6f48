import { checkConformance, conformanceJunit, renderConformance, type Paint } from '../doctor/index.js';
import type { DoctorSettings } from './doctor.js';
import type { Io } from './io.js';

/**
 * `gatehouse doctor --conformance`: the catalogue judged against the
 * server, as a table, JSON or JUnit. Resolves to the exit code: 1 when a
 * MUST fails.
 *
 * @example
 * ```ts
 * process.exitCode = await runConformance(settings, io, paint);
 * ```
 */
export async function runConformance(settings: DoctorSettings, io: Io, paint: Paint): Promise<number> {
  const report = await checkConformance(settings.url, {
    spec: settings.spec, timeoutMs: settings.timeoutMs, register: settings.register, browserOrigin: settings.origin,
    ...(settings.token ? { token: settings.token } : {}),
  });
  if (settings.json) io.out(JSON.stringify(report, null, 2));
  else if (settings.junit) io.out(conformanceJunit(report));
  else io.out(renderConformance(report, { paint, verbose: settings.verbose }));
  return report.summary.MUST.unmet > 0 ? 1 : 0;
}
