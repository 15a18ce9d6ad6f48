import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { AuditEvent, GateCheck, OperationEvent, Telemetry } from '../telemetry/types.js';

/**
 * Gatehouse's Prometheus metrics, every name prefixed `gatehouse_`. Two
 * kinds of source: events the code reports as they happen (through the
 * {@link Telemetry} hooks and {@link GatehouseMetrics.observeRequest}), and
 * counters the core already keeps (JWKS and discovery fetches, the
 * verification cache, stdio children), read only when Prometheus scrapes,
 * so they cost nothing per request.
 */

/** A counter the core keeps, read at scrape time. */
export interface CounterSource {
  readonly fetches?: number;
  readonly failures?: number;
  readonly hits?: number;
  readonly misses?: number;
}

/** What the metrics read at scrape time; each may be set once known (the gate arrives after the listener). */
export interface ScrapeSources {
  jwks?: CounterSource;
  discovery?: CounterSource;
  /** The verification cache (`hits`, `misses`). */
  cache?: CounterSource;
  /** The stdio bridge's children running now. */
  children?: () => number;
}

/** One finished HTTP request as the request log saw it. */
export interface RequestObservation {
  /** A bounded route class: `mcp`, `well_known`, `authority`, `health`, `other`. */
  route: string;
  /** The gate's decision for the protected endpoint, `none` elsewhere. */
  decision: string;
  status: number;
  seconds: number;
}

/** The registry and the ways to feed it. */
export interface GatehouseMetrics {
  readonly registry: Registry;
  /** The hooks the core, the authority and the proxy call. */
  readonly telemetry: Telemetry;
  /** Scrape-time sources; assign fields as they become known. */
  readonly sources: ScrapeSources;
  observeRequest(observation: RequestObservation): void;
}

const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** A counter whose value lives elsewhere: each scrape adds what the source gained since the last one. */
function mirroredCounter(registry: Registry, name: string, help: string, read: () => number | undefined): void {
  let seen = 0;
  new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      const now = read();
      if (now === undefined) return;
      if (now > seen) this.inc(now - seen);
      seen = Math.max(seen, now);
    },
  });
}

const TOKEN_EVENTS: Partial<Record<AuditEvent['event'], string>> = {
  'token.issued': 'issued',
  'token.refreshed': 'refreshed',
  'token.revoked': 'revoked',
  'token.exchanged': 'exchanged',
};

/**
 * Creates the registry with every Gatehouse metric (and Node's process
 * metrics, also prefixed `gatehouse_`).
 *
 * @example
 * ```ts
 * const metrics = createGatehouseMetrics();
 * const gate = createGatehouse(config, { telemetry: metrics.telemetry });
 * metrics.sources.jwks = (gate.verifier as GatehouseVerifier).jwks.counters;
 * res.end(await metrics.registry.metrics());
 * ```
 */
export function createGatehouseMetrics(options: { processMetrics?: boolean } = {}): GatehouseMetrics {
  const registry = new Registry();
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'gatehouse_' });
  const registers = [registry];
  const sources: ScrapeSources = {};

  const requests = new Counter({ name: 'gatehouse_requests_total', help: 'HTTP requests answered, by route class, gate decision and status class', labelNames: ['route', 'decision', 'status'], registers });
  const requestSeconds = new Histogram({ name: 'gatehouse_request_duration_seconds', help: 'Time to answer an HTTP request (streams: until they end), by route class', labelNames: ['route'], buckets: LATENCY_BUCKETS, registers });
  const verification = new Histogram({ name: 'gatehouse_verification_duration_seconds', help: "Time of the gate's check of a request to the MCP endpoint (token, keys, scopes), by outcome", labelNames: ['outcome'], buckets: LATENCY_BUCKETS, registers });
  const refusals = new Counter({ name: 'gatehouse_gate_refusals_total', help: 'Requests to the MCP endpoint the gate refused, by error code and status', labelNames: ['code', 'status'], registers });
  const tokens = new Counter({ name: 'gatehouse_tokens_total', help: 'Tokens issued, refreshed, exchanged and revoked by the authority, by grant type', labelNames: ['event', 'grant'], registers });
  const registrations = new Counter({ name: 'gatehouse_registrations_total', help: 'Clients registered by dynamic client registration', registers });
  const signIns = new Counter({ name: 'gatehouse_signins_total', help: 'Sign-ins (password, development, or at the upstream IdP in broker mode), by outcome', labelNames: ['outcome'], registers });
  const consents = new Counter({ name: 'gatehouse_consents_total', help: 'Consent decisions, by outcome', labelNames: ['outcome'], registers });
  const rateLimited = new Counter({ name: 'gatehouse_ratelimit_hits_total', help: 'Requests refused with 429 by a rate limit, by limit', labelNames: ['limit'], registers });
  const upstreamSeconds = new Histogram({ name: 'gatehouse_upstream_duration_seconds', help: "Time until the proxied MCP server's response headers, by outcome", labelNames: ['outcome'], buckets: LATENCY_BUCKETS, registers });
  const upstreamErrors = new Counter({ name: 'gatehouse_upstream_errors_total', help: 'Proxied requests the upstream MCP server did not answer (refused, timed out, reset)', registers });
  const storeOps = new Counter({ name: 'gatehouse_store_operations_total', help: "Operations on the authority's store, by model, operation and outcome", labelNames: ['model', 'op', 'outcome'], registers });

  mirroredCounter(registry, 'gatehouse_jwks_fetches_total', "Requests for the issuer's JWKS", () => sources.jwks?.fetches);
  mirroredCounter(registry, 'gatehouse_jwks_fetch_failures_total', "JWKS requests that failed (network, status, not a key set)", () => sources.jwks?.failures);
  mirroredCounter(registry, 'gatehouse_discovery_fetches_total', "Requests for the issuer's metadata", () => sources.discovery?.fetches);
  mirroredCounter(registry, 'gatehouse_discovery_fetch_failures_total', 'Metadata requests that failed', () => sources.discovery?.failures);
  mirroredCounter(registry, 'gatehouse_verification_cache_hits_total', 'Token verifications answered from the cache', () => sources.cache?.hits);
  mirroredCounter(registry, 'gatehouse_verification_cache_misses_total', 'Token verifications the cache could not answer', () => sources.cache?.misses);
  new Gauge({
    name: 'gatehouse_stdio_children',
    help: 'stdio MCP server processes running now',
    registers,
    collect() {
      this.set(sources.children?.() ?? 0);
    },
  });

  function audit(event: AuditEvent): void {
    const tokenEvent = TOKEN_EVENTS[event.event];
    if (tokenEvent) return tokens.inc({ event: tokenEvent, grant: event.grant ?? 'unknown' });
    switch (event.event) {
      case 'client.registered':
        return registrations.inc();
      case 'signin.succeeded':
        return signIns.inc({ outcome: 'succeeded' });
      case 'signin.failed':
        return signIns.inc({ outcome: 'failed' });
      case 'consent.granted':
        return consents.inc({ outcome: 'granted' });
      case 'consent.denied':
        return consents.inc({ outcome: 'denied' });
      case 'ratelimit.hit':
        return rateLimited.inc({ limit: event.limit ?? 'unknown' });
      case 'request.refused':
        return refusals.inc({ code: event.reason ?? 'unknown', status: String(event.status ?? 0) });
    }
  }

  const telemetry: Telemetry = {
    audit,
    gateChecked(check: GateCheck) {
      verification.observe({ outcome: check.outcome }, check.seconds);
    },
    operation(event: OperationEvent) {
      if (event.kind === 'upstream') {
        upstreamSeconds.observe({ outcome: event.outcome }, event.seconds);
        if (event.outcome === 'error') upstreamErrors.inc();
      } else {
        storeOps.inc({ model: event.model, op: event.op, outcome: event.outcome });
      }
    },
  };

  return {
    registry,
    telemetry,
    sources,
    observeRequest({ route, decision, status, seconds }) {
      requests.inc({ route, decision, status: `${Math.floor(status / 100)}xx` });
      requestSeconds.observe({ route }, seconds);
    },
  };
}
