import { EXPOSED_HEADERS, EXPOSED_HEADER_NAMES, mergeHeaderList, withCors } from '../../http/cors.js';

/**
 * What `withCors` does to a gated response of the MCP endpoint, with the
 * common case cheap: a response that exposes no headers of its own gets
 * the gate's list as it is, with no list merged per request. Headers are set
 * in place; only immutable ones (a `Response` from `fetch`) are copied, by
 * `withCors`. The app's own `Access-Control-Allow-Origin` wins.
 *
 * @example
 * ```ts
 * const answered = honoCors(c.res);
 * if (answered !== c.res) { c.res = undefined; c.res = answered; }
 * ```
 */
export function honoCors(response: Response): Response {
  const headers = response.headers;
  const exposed = headers.get('access-control-expose-headers');
  const merged = exposed === null ? EXPOSED_HEADERS : mergeHeaderList(exposed, EXPOSED_HEADER_NAMES);
  const ownOrigin = headers.has('access-control-allow-origin');
  if (ownOrigin && merged === exposed) return response;
  try {
    if (!ownOrigin) headers.set('Access-Control-Allow-Origin', '*');
    if (merged !== exposed) headers.set('Access-Control-Expose-Headers', merged);
    return response;
  } catch {
    return withCors(response);
  }
}
