import { corsHeaders } from './cors.js';

/** How long shared caches may keep a document whose content depends only on config. */
export const DOCUMENT_CACHE_CONTROL = 'public, max-age=300';

/**
 * A JSON response with CORS, as every Gatehouse route answers.
 *
 * @example
 * ```ts
 * return jsonResponse({ error: 'not_found' }, { status: 404, cacheControl: 'no-store' });
 * ```
 */
export function jsonResponse(
  body: unknown,
  init: { status?: number; cacheControl?: string; headers?: Record<string, string>; head?: boolean } = {},
): Response {
  return new Response(init.head ? null : JSON.stringify(body), {
    status: init.status ?? 200,
    headers: {
      ...corsHeaders(),
      'Content-Type': 'application/json',
      'Cache-Control': init.cacheControl ?? 'no-store',
      ...init.headers,
    },
  });
}

/**
 * The 404 of a discovery path, with CORS, so a browser client's fallback
 * logic sees a 404 instead of a CORS failure.
 *
 * @example
 * ```ts
 * return notFound(url.pathname);
 * ```
 */
export function notFound(path: string): Response {
  return jsonResponse({ error: 'not_found', error_description: `Nothing is served at ${path}` }, { status: 404, cacheControl: 'no-store' });
}

/**
 * 405 for a document route asked with a method it does not answer.
 *
 * @example
 * ```ts
 * return methodNotAllowed(['GET', 'HEAD']);
 * ```
 */
export function methodNotAllowed(methods: string[]): Response {
  return jsonResponse(
    { error: 'method_not_allowed', error_description: `Use ${methods.join(' or ')}` },
    { status: 405, headers: { Allow: [...methods, 'OPTIONS'].join(', ') } },
  );
}
