import { AsyncLocalStorage } from 'node:async_hooks';
import type { IncomingMessage } from 'node:http';
import { requestIdOf } from '../log/request-log.js';
import type { AuditEvent, Telemetry } from '../telemetry/types.js';
import { clientAddress } from './client-address.js';

/**
 * The request being answered, for code that runs deep inside it (an
 * oidc-provider event listener, the gate's audit hook) and knows nothing
 * of the Node request: {@link serve} runs every request inside its context.
 */

const current = new AsyncLocalStorage<IncomingMessage>();

/**
 * Runs `handle` with `req` as the current request.
 *
 * @example
 * ```ts
 * const listener = (req, res) => inRequestContext(req, () => app(req, res));
 * ```
 */
export function inRequestContext<T>(req: IncomingMessage, handle: () => T): T {
  return current.run(req, handle);
}

/**
 * The request whose handling is running now, if any.
 *
 * @example
 * ```ts
 * const req = currentRequest();
 * ```
 */
export function currentRequest(): IncomingMessage | undefined {
  return current.getStore();
}

/**
 * Fills each audit event's `requestId` and `address` from the request it
 * happened in (the id the request log gave it; the address as
 * `GATEHOUSE_TRUST_PROXY` reads it), then hands it on. Events emitted
 * outside a request (a timer) go on as they are.
 *
 * @example
 * ```ts
 * const telemetry = withRequestFacts(combineTelemetry(metrics, auditLog(logger)), () => config.trustProxy);
 * ```
 */
export function withRequestFacts(telemetry: Telemetry | undefined, trustProxy: () => boolean): Telemetry | undefined {
  const audit = telemetry?.audit?.bind(telemetry);
  if (!telemetry || !audit) return telemetry;
  return {
    ...telemetry,
    audit(event: AuditEvent) {
      const req = currentRequest();
      if (!req) return audit(event);
      audit({ ...event, requestId: event.requestId ?? requestIdOf(req), address: event.address ?? clientAddress(req, trustProxy()) });
    },
  };
}
