import type { MetricsAddress } from '../config/sections/metrics.js';
import { ConfigError } from '../errors.js';
import { auditLog } from '../log/audit-log.js';
import type { Logger } from '../log/logger.js';
import type { FinishedRequest } from '../log/request-log.js';
import type { Listening } from '../server/listen.js';
import { withRequestFacts } from '../server/request-context.js';
import { combineTelemetry } from '../telemetry/combine.js';
import type { AuditEvent, Telemetry } from '../telemetry/types.js';
import type { GatehouseVerifier } from '../tokens/create-verifier.js';
import type { CounterSource, GatehouseMetrics, ScrapeSources } from './gatehouse-metrics.js';

/**
 * What a CLI server (`demo`, `proxy`) reports and where: audit events as
 * log records (always) and to `onAudit`, and, with `GATEHOUSE_METRICS_ADDR`,
 * Prometheus metrics on their own listener. One place wires them, so every
 * server reports the same things.
 */

/** Options of {@link startObservability}. */
export interface ObservabilityOptions {
  logger: Logger;
  /** The metrics listener; unset: no metrics, no per-request counting. */
  metrics?: MetricsAddress;
  /** The public port: the metrics may not share it. */
  publicPort: number;
  /** The gate's protected path (`/mcp`), for the `route` label. */
  protectedPath: string;
  /** The authority's route prefix (`/oauth`), for the `route` label. */
  authorityPrefix?: string;
  /** Whether the caller's address is read from `X-Forwarded-For` (asked when an event is written). */
  trustProxy: () => boolean;
  /** Another listener of audit events (tests, a SIEM forwarder). */
  onAudit?: (event: AuditEvent) => void;
}

/** The wired telemetry of one server. */
export interface Observability {
  /** For `createGatehouse`, `createAuthority`, the proxy. */
  readonly telemetry: Telemetry | undefined;
  /** For `serve({ onRequest })`; unset without metrics. */
  readonly onRequest?: (finished: FinishedRequest) => void;
  /** Scrape-time sources (JWKS, discovery, cache, children) to fill in once known; unset without metrics. */
  readonly sources?: ScrapeSources;
  readonly metrics?: GatehouseMetrics;
  /** The metrics listener, when on. */
  readonly listening?: Listening;
  close(): Promise<void>;
}

/**
 * The route class of a path, a label with few values (raw paths would let
 * any client create series).
 *
 * @example
 * ```ts
 * routeClass('/mcp', '/mcp', '/oauth'); // 'mcp'
 * routeClass('/.well-known/oauth-protected-resource/mcp', '/mcp'); // 'well_known'
 * ```
 */
export function routeClass(path: string, protectedPath: string, authorityPrefix?: string): string {
  if (path === '/healthz' || path === '/readyz') return 'health';
  if (path === protectedPath || path.startsWith(`${protectedPath}/`)) return 'mcp';
  if (path.startsWith('/.well-known/')) return 'well_known';
  if (authorityPrefix && (path === authorityPrefix || path.startsWith(`${authorityPrefix}/`))) return 'authority';
  return 'other';
}

const DECISIONS: Record<string, string> = { allowed: 'allowed', challenged: 'challenged', forbidden: 'refused', error: 'error' };

/**
 * Wires audit logs, `onAudit` and (when an address is given) the metrics
 * registry and its listener.
 *
 * @example
 * ```ts
 * const observed = await startObservability({ logger, metrics: runtime.metrics, publicPort: 3000, protectedPath: '/mcp', trustProxy: () => false });
 * const gate = createGatehouse(config, { telemetry: observed.telemetry });
 * ```
 */
export async function startObservability(options: ObservabilityOptions): Promise<Observability> {
  const { metrics: address } = options;
  if (address && address.port !== 0 && address.port === options.publicPort) {
    throw new ConfigError(`GATEHOUSE_METRICS_ADDR uses the public port ${address.port}: metrics get a listener of their own; pick another port (e.g. 9464)`);
  }
  // prom-client is loaded only when metrics are on: a server without them does not pay for it at start.
  const metrics = address ? (await import('./gatehouse-metrics.js')).createGatehouseMetrics() : undefined;
  const telemetry = withRequestFacts(
    combineTelemetry(auditLog(options.logger), metrics?.telemetry, options.onAudit ? { audit: options.onAudit } : undefined),
    options.trustProxy,
  );
  if (!metrics || !address) return { telemetry, close: async () => {} };
  const { startMetricsServer } = await import('./metrics-server.js');
  const listening = await startMetricsServer(address, metrics.registry);
  options.logger.info('metrics listening', { addresses: listening.addresses, port: listening.port, path: '/metrics' });
  return {
    telemetry,
    metrics,
    sources: metrics.sources,
    listening,
    onRequest({ path, status, decision, seconds }) {
      const route = routeClass(path, options.protectedPath, options.authorityPrefix);
      metrics.observeRequest({ route, decision: decision ? (DECISIONS[decision] ?? decision) : 'none', status, seconds });
    },
    close: () => listening.close(),
  };
}

/**
 * A gate's own counters as scrape-time sources: its discovery and JWKS
 * fetches, and its verification cache (the built-in verifier's; a custom
 * verifier has none).
 *
 * @example
 * ```ts
 * Object.assign(observability.sources, gateSources(gate));
 * ```
 */
export function gateSources(gate: { verifier: unknown; upstream: { counters: CounterSource } }): ScrapeSources {
  const sources: ScrapeSources = { discovery: gate.upstream.counters };
  const verifier = gate.verifier as Partial<GatehouseVerifier>;
  if (verifier.jwks) sources.jwks = verifier.jwks.counters;
  if (verifier.jwtCache) sources.cache = verifier.jwtCache;
  return sources;
}
