import { isLenientLoopbackHost } from '../http/loopback.js';
import { finding, type FindingId } from './findings.js';
import type { Prober } from './http.js';
import type { Finding, ProfileId } from './types.js';

/** What every check reads and where it writes its findings. */
export interface DoctorContext {
  /** The MCP endpoint URL being diagnosed. */
  url: URL;
  http: Prober;
  /** The origin MCP Inspector's page runs on. */
  browserOrigin: string;
  /** Actually register clients (DCR). */
  register: boolean;
  /** A loopback port for the redirect URIs of clients that pick one at random. */
  callbackPort: number;
  findings: Finding[];
}

/**
 * Records a finding, unless it lists no client.
 *
 * @example
 * ```ts
 * report(ctx, 'pkce-missing', ALL_CLIENTS, 'No code_challenge_methods_supported in the AS metadata');
 * ```
 */
export function report(ctx: DoctorContext, id: FindingId, clients: readonly ProfileId[], message: string, fix?: string): void {
  if (clients.length > 0) ctx.findings.push(finding(id, clients, message, fix));
}

/** `http://localhost:3000/mcp` → `/mcp`; `/` and `` → ``. */
export function endpointPath(url: URL): string {
  return url.pathname.replace(/\/+$/, '');
}

/** Loopback (as a browser judges it) and private addresses, which cloud clients cannot reach. */
export function isLocalHost(hostname: string): boolean {
  if (isLenientLoopbackHost(hostname)) return true;
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return /^10\./.test(host) || /^192\.168\./.test(host) || /^172\.(1[6-9]|2\d|3[01])\./.test(host) || /^f[cd][0-9a-f]{2}:/.test(host);
}
