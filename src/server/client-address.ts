import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';

/**
 * Whose address a request comes from, for rate limits and logs. The
 * connection's peer, unless `trustProxy` (GATEHOUSE_TRUST_PROXY) says one
 * proxy we run sits in front: then the last address that proxy appended to
 * `X-Forwarded-For` (or the last `for=` of `Forwarded`). Only the last one:
 * everything before it is what the client itself sent, and a client that
 * could choose its address would pick a fresh one per request.
 *
 * This is all `trustProxy` decides. URLs never come from forwarded headers.
 */

/** `::ffff:192.0.2.1` as `192.0.2.1`, so one client has one key whichever socket family it came in on. */
function normalised(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped ? mapped[1]! : address.toLowerCase();
}

/** An address as a proxy writes it: `192.0.2.1`, `2001:db8::1`, `[2001:db8::1]:443`, `192.0.2.1:8080`, quoted or not. */
function parseAddress(value: string | undefined): string | undefined {
  let text = value?.trim().replace(/^"(.*)"$/, '$1');
  if (!text) return undefined;
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(text);
  if (bracketed) text = bracketed[1]!;
  else if (/^\d+\.\d+\.\d+\.\d+:\d+$/.test(text)) text = text.slice(0, text.lastIndexOf(':'));
  return isIP(text) ? normalised(text) : undefined;
}

function lastListValue(value: string | string[] | undefined): string | undefined {
  const joined = Array.isArray(value) ? value.join(',') : value;
  return joined?.split(',').at(-1);
}

function lastForwardedFor(value: string | string[] | undefined): string | undefined {
  const element = lastListValue(value);
  const pair = element?.split(';').find((part) => part.trim().toLowerCase().startsWith('for='));
  return pair?.trim().slice(4);
}

/**
 * The client's address: the socket's peer, or with `trustProxy` the one the
 * proxy in front recorded. Falls back to the peer when the proxy wrote
 * nothing usable; `'unknown'` when not even that is known (a closed socket).
 *
 * @example
 * ```ts
 * const key = clientAddress(req, config.trustProxy); // '192.0.2.1'
 * if (!limiter.take(key)) return tooManyRequests(res);
 * ```
 */
export function clientAddress(req: IncomingMessage, trustProxy: boolean): string {
  const peer = parseAddress(req.socket?.remoteAddress) ?? 'unknown';
  if (!trustProxy) return peer;
  return parseAddress(lastListValue(req.headers['x-forwarded-for'])) ?? parseAddress(lastForwardedFor(req.headers.forwarded)) ?? peer;
}
