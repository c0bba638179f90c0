import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface MetricSources {
  boxesOnline: () => Promise<number>;
  openAlerts: () => Promise<number>;
  passesStored: () => Promise<number>;
}

/**
 * The fleet's Prometheus metrics, on a registry of its own (not prom-client's global one),
 * so that several API instances in one process (tests) do not collide.
 */
export class ApiMetrics {
  readonly registry = new Registry();
  readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  readonly httpDuration: Histogram<'method' | 'route'>;

  constructor(sources: MetricSources, withProcessMetrics = false) {
    if (withProcessMetrics) collectDefaultMetrics({ register: this.registry });
    this.httpRequests = new Counter({ name: 'fleet_http_requests_total', help: 'HTTP requests by method, route and status', labelNames: ['method', 'route', 'status'], registers: [this.registry] });
    this.httpDuration = new Histogram({
      name: 'fleet_http_request_duration_seconds',
      help: 'HTTP request duration',
      labelNames: ['method', 'route'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [this.registry],
    });
    new Gauge({ name: 'fleet_boxes_online', help: 'Active boxes with a live MQTT session', registers: [this.registry], async collect() { this.set(await sources.boxesOnline()); } });
    new Gauge({ name: 'fleet_alerts_open', help: 'Alerts currently open', registers: [this.registry], async collect() { this.set(await sources.openAlerts()); } });
    // A counter read from the store: ingest owns the rows, the count survives restarts.
    let seen = 0;
    new Counter({
      name: 'fleet_passes_ingested_total',
      help: 'Passes stored by ingest',
      registers: [this.registry],
      async collect() {
        const n = await sources.passesStored();
        if (n > seen) this.inc(n - seen);
        seen = Math.max(seen, n);
      },
    });
  }
}
