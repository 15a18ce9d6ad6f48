/**
 * Audit events and measurement hooks of the core (no Node, no prom-client).
 *
 * @example
 * ```ts
 * import { combineTelemetry, type Telemetry } from './telemetry/index.js';
 * ```
 *
 * @packageDocumentation
 */
export { combineTelemetry } from './combine.js';
export type { AuditEvent, AuditEventName, GateCheck, GateOutcome, OperationEvent, Telemetry } from './types.js';
