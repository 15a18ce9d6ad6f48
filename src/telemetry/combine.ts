import type { AuditEvent, GateCheck, OperationEvent, Telemetry } from './types.js';

/**
 * Several listeners as one: each hook calls every listener that has it, and
 * a listener that throws does not stop the others or the request (telemetry
 * must never change an answer). Undefined when no listener has any hook, so
 * the caller's `telemetry?.` stays free.
 *
 * @example
 * ```ts
 * const telemetry = combineTelemetry(metrics.telemetry, auditLog(logger), { audit: options.onAudit });
 * ```
 */
export function combineTelemetry(...listeners: (Telemetry | undefined)[]): Telemetry | undefined {
  const present = listeners.filter((listener): listener is Telemetry => listener !== undefined);
  const audits = present.map((l) => l.audit?.bind(l)).filter(isHook);
  const checks = present.map((l) => l.gateChecked?.bind(l)).filter(isHook);
  const operations = present.map((l) => l.operation?.bind(l)).filter(isHook);
  if (audits.length + checks.length + operations.length === 0) return undefined;
  const combined: Telemetry = {};
  if (audits.length > 0) combined.audit = (event: AuditEvent) => callEach(audits, event);
  if (checks.length > 0) combined.gateChecked = (check: GateCheck) => callEach(checks, check);
  if (operations.length > 0) combined.operation = (event: OperationEvent) => callEach(operations, event);
  return combined;
}

function isHook<T>(hook: ((value: T) => void) | undefined): hook is (value: T) => void {
  return hook !== undefined;
}

function callEach<T>(hooks: ((value: T) => void)[], value: T): void {
  for (const hook of hooks) {
    try {
      hook(value);
    } catch {
      // A broken listener loses its own record, nothing else.
    }
  }
}
