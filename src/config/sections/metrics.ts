import { z } from 'zod';
import { ConfigError } from '../../errors.js';
import { isLoopbackHost } from '../../http/loopback.js';
import { bool, type EnvTable } from '../values.js';

/**
 * The `metrics` section: where the CLI's servers expose Prometheus metrics.
 * Off unless an address is given, and never on the public port: the
 * metrics name clients, error codes and traffic, which is nobody's business
 * but the operator's. A non-loopback address needs `allowRemote` too, so a
 * stray `0.0.0.0` cannot publish them by accident.
 */

export const metricsSectionSchema = z.object({
  /** `host:port` of the metrics listener (`127.0.0.1:9464`, `[::1]:9464`, `localhost:9464`). Unset: no metrics. */
  addr: z.string().min(1).optional(),
  /** Allow a non-loopback `addr` (e.g. `0.0.0.0:9464` in a container whose port only the scraper reaches). */
  allowRemote: z.boolean().optional(),
});

export type MetricsSection = z.input<typeof metricsSectionSchema>;

/** Env vars of the `metrics` section, by setting path. */
export const METRICS_ENV: EnvTable = {
  'metrics.addr': ['GATEHOUSE_METRICS_ADDR'],
  'metrics.allowRemote': ['GATEHOUSE_METRICS_ALLOW_REMOTE', bool],
};

/** Where the metrics listener binds. */
export interface MetricsAddress {
  host: string;
  port: number;
}

/**
 * The metrics listener's address from the section, checked: `undefined`
 * when metrics are off; a `ConfigError` for an address that is not
 * `host:port`, and for a non-loopback host without `allowRemote`.
 *
 * @example
 * ```ts
 * metricsAddress({ addr: '127.0.0.1:9464' }); // { host: '127.0.0.1', port: 9464 }
 * metricsAddress({ addr: '0.0.0.0:9464' });   // throws: set GATEHOUSE_METRICS_ALLOW_REMOTE=true to expose them
 * ```
 */
export function metricsAddress(section: MetricsSection | undefined): MetricsAddress | undefined {
  const addr = section?.addr?.trim();
  if (!addr) return undefined;
  const match = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(addr);
  const port = match ? Number(match[2]) : NaN;
  if (!match || port > 65535) {
    throw new ConfigError(`GATEHOUSE_METRICS_ADDR="${addr}" is not host:port (e.g. 127.0.0.1:9464, [::1]:9464, localhost:9464)`);
  }
  const host = match[1]!.replace(/^\[(.*)\]$/, '$1');
  if (!isLoopbackHost(host) && !section?.allowRemote) {
    throw new ConfigError(
      `GATEHOUSE_METRICS_ADDR="${addr}" is not a loopback address: metrics name clients and error codes. ` +
        'Bind it to 127.0.0.1 or ::1, or set GATEHOUSE_METRICS_ALLOW_REMOTE=true (metrics.allowRemote) when only your scraper can reach that address',
    );
  }
  return { host, port };
}
