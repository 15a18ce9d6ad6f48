import type { ServerResponse } from 'node:http';
import { PageError } from '../error-page.js';

/**
 * Refuses a request whose method the route does not take: 405 with `Allow`.
 *
 * @example
 * ```ts
 * checkMethod(req.method ?? 'GET', res, ['POST']);
 * ```
 */
export function checkMethod(method: string, res: ServerResponse, allowed: readonly string[]): void {
  if (allowed.includes(method)) return;
  res.setHeader('Allow', allowed.join(', '));
  throw new PageError(405, 'Not allowed', 'This address does not accept that kind of request.');
}
