import type { GatehouseConfig } from '../config/schema.js';
import type { AuthenticateOptions, GateRequest, GateResult } from '../types.js';
import type { AuditEvent, GateOutcome, Telemetry } from './types.js';

type Authenticate = (request: Request | GateRequest, options?: AuthenticateOptions) => Promise<GateResult>;

/** Codes that say the gate could not check, not that the caller was wrong: the `error` outcome. */
const GATE_ERRORS = new Set(['ERR_JWKS_UNAVAILABLE', 'ERR_VERIFICATION_FAILED', 'ERR_INTROSPECTION_FAILED']);

/**
 * The outcome of a gate check: `allowed`, `challenged` (401: sign in or
 * refresh), `refused` (403, 400, 413: the caller cannot get through this
 * way) or `error` (the keys or introspection were unreachable).
 *
 * @example
 * ```ts
 * gateOutcome({ ok: false, error, response }); // 'challenged' for an expired token
 * ```
 */
export function gateOutcome(result: GateResult): GateOutcome {
  if (result.ok) return 'allowed';
  if (GATE_ERRORS.has(result.error.code)) return 'error';
  return result.error.status === 401 ? 'challenged' : 'refused';
}

/**
 * Wraps the gate's check so each one reports its outcome and duration, and
 * each refusal an audit event `request.refused` with its code. Without
 * telemetry (or without either hook) the check is returned as it is: no
 * clock read, no object built.
 *
 * @example
 * ```ts
 * const authenticate = observeGate((request) => authenticateRequest(request, context), config, telemetry);
 * ```
 */
export function observeGate(authenticate: Authenticate, config: GatehouseConfig, telemetry: Telemetry | undefined): Authenticate {
  if (!telemetry?.gateChecked && !telemetry?.audit) return authenticate;
  const clock = globalThis.performance;
  if (!telemetry.gateChecked) {
    // Audit only (metrics off): nothing to time, and an allowed request costs no more than the check.
    return async function auditedAuthenticate(request, options) {
      const result = await authenticate(request, options);
      if (!result.ok) telemetry.audit?.(refusalEvent(result.error, request, config));
      return result;
    };
  }
  return async function observedAuthenticate(request, options) {
    const started = clock.now();
    const result = await authenticate(request, options);
    const seconds = (clock.now() - started) / 1000;
    const outcome = gateOutcome(result);
    if (result.ok) {
      telemetry.gateChecked?.({ outcome, seconds });
      return result;
    }
    const { code, status } = result.error;
    telemetry.gateChecked?.({ outcome, seconds, code, status });
    telemetry.audit?.(refusalEvent(result.error, request, config));
    return result;
  };
}

function refusalEvent(error: { code: string; status: number }, request: Request | GateRequest, config: GatehouseConfig): AuditEvent {
  return {
    event: 'request.refused',
    reason: error.code,
    status: error.status,
    resource: resourceOf(request, config),
    scopes: config.scopes.required.length > 0 ? config.scopes.required : undefined,
  };
}

function resourceOf(request: Request | GateRequest, config: GatehouseConfig): string | undefined {
  try {
    const url = new URL(request.url);
    return `${config.publicUrl ? new URL(config.publicUrl).origin : url.origin}${url.pathname}`;
  } catch {
    return undefined;
  }
}
