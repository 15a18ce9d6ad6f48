import type { Exchange } from '../http.js';
import type { Evidence, Verdict } from './types.js';

/** Response headers worth showing: the ones checks read. Never Set-Cookie. */
const SHOWN = ['www-authenticate', 'location', 'content-type', 'access-control-allow-origin', 'access-control-expose-headers', 'access-control-allow-headers'];
const BODY_CHARS = 240;

/** `200 content-type: application/json {"resource":...}`: what came back, short, with nothing secret a doctor's request could provoke. */
export function answerOf(exchange: Exchange, options: { body?: boolean } = {}): string {
  if (exchange.status === 0) return exchange.error ?? 'no answer';
  const headers = SHOWN.filter((h) => exchange.headers.has(h)).map((h) => `${h}: ${exchange.headers.get(h)}`);
  const body = options.body === false || !exchange.body ? '' : ` ${exchange.body.length > BODY_CHARS ? `${exchange.body.slice(0, BODY_CHARS)}…` : exchange.body}`;
  return [String(exchange.status), ...headers].join('; ') + body;
}

/**
 * One exchange as evidence; `request` overrides the `METHOD url` line (to
 * say which token was sent, by name, never by value).
 *
 * @example
 * ```ts
 * evidenceOf(exchange, 'POST /mcp with Authorization: Bearer <malformed>');
 * ```
 */
export function evidenceOf(exchange: Exchange, request?: string, options: { body?: boolean } = {}): Evidence {
  return { request: request ?? `${exchange.method} ${exchange.url}`, response: answerOf(exchange, options) };
}

export const met = (...evidence: Evidence[]): Verdict => ({ met: true, evidence });
export const unmet = (evidence: Evidence[], fix?: string): Verdict => ({ met: false, evidence, ...(fix ? { fix } : {}) });
export const notObservable = (reason: string, ...evidence: Evidence[]): Verdict => ({ met: 'not-observable', reason, evidence });

/** A finding of the doctor's own, as evidence. */
export function noted(text: string): Evidence {
  return { request: '(doctor)', response: text };
}
