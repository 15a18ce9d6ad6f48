/**
 * Small helpers for the outgoing requests of discovery, JWKS and
 * introspection: one timeout rule, and failures described in words a user can
 * act on ("connection refused", "timed out after 5000 ms") instead of a bare
 * `TypeError: fetch failed`.
 */

/** Options shared by every outgoing request. */
export interface OutgoingRequestOptions {
  /** A `fetch` to use instead of the global one (tests, proxies, instrumentation). */
  fetch?: typeof fetch;
  /** Milliseconds before the request, body included, is abandoned. */
  timeoutMs: number;
}

/**
 * `fetch` with a timeout that also covers reading the body.
 *
 * @example
 * ```ts
 * const { response, body } = await fetchText('https://idp.example.com/jwks', { method: 'GET' }, { timeoutMs: 5000 });
 * ```
 */
export async function fetchText(
  url: string,
  init: RequestInit,
  options: OutgoingRequestOptions,
): Promise<{ response: Response; body: string }> {
  const doFetch = options.fetch ?? globalThis.fetch;
  const signal = AbortSignal.timeout(options.timeoutMs);
  const response = await doFetch(url, { ...init, signal, redirect: init.redirect ?? 'follow' });
  const body = await response.text();
  return { response, body };
}

/**
 * Turns a failed `fetch` into a short phrase: `timed out after 5000 ms`,
 * `network error (ECONNREFUSED)`...
 *
 * @example
 * ```ts
 * try { await fetchText(url, {}, { timeoutMs }) } catch (err) { reason = describeFetchFailure(err, timeoutMs) }
 * ```
 */
export function describeFetchFailure(err: unknown, timeoutMs: number): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) {
    return `timed out after ${timeoutMs} ms`;
  }
  const cause = err instanceof Error ? (err.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  if (cause && typeof cause.code === 'string') return `network error (${cause.code})`;
  if (cause && typeof cause.message === 'string') return `network error (${cause.message})`;
  return `network error (${err instanceof Error ? err.message : String(err)})`;
}

/** Parses JSON, returning `undefined` instead of throwing. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** True for a plain JSON object (not an array, not null). */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
