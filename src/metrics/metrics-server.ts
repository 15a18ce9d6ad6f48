import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import type { MetricsAddress } from '../config/sections/metrics.js';
import { pathOf } from '../http/node/request-path.js';
import { sendJson } from '../http/node/respond.js';
import { listen, type Listening } from '../server/listen.js';

/**
 * The metrics listener: `GET /metrics` in Prometheus text format, on its
 * own address (never the public port), nothing else. A scrape that fails
 * (a collector throwing) is a 500 with a JSON body, never a crash.
 *
 * @example
 * ```ts
 * const listener = await startMetricsServer({ host: '127.0.0.1', port: 9464 }, metrics.registry);
 * await listener.close();
 * ```
 */
export async function startMetricsServer(address: MetricsAddress, registry: Registry): Promise<Listening> {
  async function answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (pathOf(req) !== '/metrics') return sendJson(res, 404, { error: 'not_found', error_description: 'Metrics are at GET /metrics' });
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return sendJson(res, 405, { error: 'method_not_allowed' });
    }
    try {
      const text = await registry.metrics();
      res.writeHead(200, { 'content-type': registry.contentType, 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : text);
    } catch (err) {
      sendJson(res, 500, { error: 'metrics_failed', error_description: (err as Error).message });
    }
  }
  return listen((req, res) => void answer(req, res), address.host, address.port);
}
