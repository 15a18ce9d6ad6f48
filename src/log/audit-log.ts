import type { AuditEvent, Telemetry } from '../telemetry/types.js';
import type { Logger } from './logger.js';

/**
 * The default home of audit events: one log record each, `msg: "audit"`,
 * with the event's name in `event` and its facts beside it. Records go
 * through the logger's redaction like every other, so even a mistaken
 * emitter could not write a token. All at `info`, refusals included:
 * an audit trail that drops the 401s cannot say who was turned away.
 *
 * @example
 * ```ts
 * const telemetry = combineTelemetry(auditLog(logger), { audit: onAudit });
 * ```
 */
export function auditLog(logger: Logger): Telemetry {
  return {
    audit(event: AuditEvent) {
      logger.info('audit', { ...event });
    },
  };
}
