import type { ServerResponse } from 'node:http';

/**
 * Answers with JSON and `Cache-Control: no-store`, the way every Node-side
 * route of Gatehouse answers its own small replies (health, 404, a JWKS):
 * `headers` are added last, so they may override the cache policy.
 *
 * @example
 * ```ts
 * sendJson(res, 404, { error: 'not_found' });
 * sendJson(res, 200, jwks, { 'cache-control': 'public, max-age=300' });
 * ```
 */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}
