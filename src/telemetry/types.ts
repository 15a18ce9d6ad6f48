/**
 * What Gatehouse tells the outside about its work, without knowing who
 * listens: audit events (who got which token, who was refused) and the few
 * measurements only the code that does the work can take (how long a check
 * took). The core calls these hooks; the Node edge turns them into log
 * records and Prometheus metrics (`src/metrics/`). Nothing here imports
 * Node or prom-client, and a gate without telemetry calls nothing: every
 * call site is `telemetry?.hook(...)`, whose arguments are not even built
 * when the hook is absent.
 */

/** The audit events, by name. */
export type AuditEventName =
  | 'client.registered'
  | 'signin.succeeded'
  | 'signin.failed'
  | 'consent.granted'
  | 'consent.denied'
  | 'token.issued'
  | 'token.refreshed'
  | 'token.revoked'
  | 'token.exchanged'
  | 'request.refused'
  | 'ratelimit.hit';

/**
 * One audit event. It names who and what (subject, client, scopes,
 * resource, request id, address) and never carries a token, code, secret or
 * password: the emitters pass identifiers only, and the log sink redacts
 * anything token-shaped on top.
 */
export interface AuditEvent {
  event: AuditEventName;
  /** The account (`sub`), when known. */
  subject?: string;
  clientId?: string;
  scopes?: string[];
  /** The protected resource (RFC 8707 `resource`, or the gate's MCP URI). */
  resource?: string;
  requestId?: string;
  /** The caller's address as `GATEHOUSE_TRUST_PROXY` reads it. */
  address?: string;
  /** Tokens: the grant type (`authorization_code`, `refresh_token`, `client_credentials`, token exchange). */
  grant?: string;
  /** Tokens issued for an ID-JAG, and their refusals: the enterprise IdP behind them (the ID-JAG's trusted `iss`). */
  issuer?: string;
  /** Refusals and failed sign-ins: the stable error code (`ERR_JWT_EXPIRED`, `invalid_credentials`...). */
  reason?: string;
  /** Refusals: the HTTP status sent (401, 403, 429). */
  status?: number;
  /** Rate-limit hits: which limit (`register`, `token`, `signin`, `mcp`). */
  limit?: string;
}

/** How a request to the protected endpoint ended at the gate. */
export type GateOutcome = 'allowed' | 'challenged' | 'refused' | 'error';

/** One finished gate check, for the verification metrics. */
export interface GateCheck {
  outcome: GateOutcome;
  /** Seconds the check took (token parse, verification, scopes). */
  seconds: number;
  /** The error code of a refusal (`ERR_JWT_EXPIRED`), unset when allowed. */
  code?: string;
  /** The HTTP status of a refusal. */
  status?: number;
}

/** Work outside the gate that operators watch: upstream calls and store operations. */
export type OperationEvent =
  | { kind: 'upstream'; seconds: number; outcome: 'ok' | 'error' }
  | { kind: 'store'; model: string; op: string; outcome: 'ok' | 'error' };

/**
 * The hooks Gatehouse calls. Every one is optional; an absent one costs nothing.
 *
 * @example
 * ```ts
 * const telemetry: Telemetry = { audit: (event) => auditTrail.push(event) };
 * const gate = createGatehouse(config, { telemetry });
 * ```
 */
export interface Telemetry {
  /** An audit event happened. */
  audit?(event: AuditEvent): void;
  /** The gate finished checking a request to the protected endpoint. */
  gateChecked?(check: GateCheck): void;
  /** An upstream call or a store operation finished. */
  operation?(event: OperationEvent): void;
}
