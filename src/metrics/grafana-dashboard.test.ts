import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createGatehouseMetrics } from './gatehouse-metrics.js';

/** Prometheus' own suffixes of a histogram's series. */
const HISTOGRAM_SERIES = /_(bucket|sum|count)$/;

describe('docs/grafana-dashboard.json', () => {
  const dashboard = JSON.parse(readFileSync(new URL('../../docs/grafana-dashboard.json', import.meta.url), 'utf8')) as {
    panels: { title: string; targets: { expr: string }[] }[];
  };

  it('queries only metrics Gatehouse exports, and every metric it exports is on a panel', async () => {
    const metrics = createGatehouseMetrics();
    const exported = (await metrics.registry.getMetricsAsJSON()).map((m) => m.name);
    const own = exported.filter((name) => !/^gatehouse_(process|nodejs)_/.test(name));
    const queried = new Set<string>();
    for (const panel of dashboard.panels) {
      expect(panel.targets.length, panel.title).toBeGreaterThan(0);
      for (const { expr } of panel.targets) {
        for (const [name] of expr.matchAll(/gatehouse_[a-z0-9_]+/g)) {
          const metric = exported.includes(name) ? name : name.replace(HISTOGRAM_SERIES, '');
          expect(exported, `${panel.title}: ${name}`).toContain(metric);
          queried.add(metric);
        }
      }
    }
    // Gatehouse's own metrics (not prom-client's process defaults) each have a panel.
    expect(own.filter((name) => !queried.has(name))).toEqual([]);
  });
});
