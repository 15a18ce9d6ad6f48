import type { IncomingMessage } from 'node:http';

/**
 * The path of a request, without its query or fragment: what a Node-side
 * router compares with its routes and what a log may show. The query is cut
 * because it is where misbehaving clients put tokens and codes; a fragment
 * (Node passes on `/mcp#x` as sent) because the URL parser behind the gate
 * and oidc-provider ends the path there, and a router in front must see the
 * path they see.
 *
 * @example
 * ```ts
 * pathOf(req); // '/mcp' for GET /mcp?code=secret
 * ```
 */
export function pathOf(req: IncomingMessage): string {
  return (req.url ?? '/').split(/[?#]/, 1)[0]!;
}
