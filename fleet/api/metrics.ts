import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { IngestStats } from '../ingest/errors.ts';

export interface MetricSources {
  boxesOnline: () => Promise<number>;
  openAlerts: () => Promise<number>;
  passesStored: () => Promise<number>;
  /** This process's ingest counters: with several instances, each one's share of the messages. */
  ingest?: IngestStats;
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
    if (sources.ingest) this.ingestCounters(sources.ingest);
  }

  /** Counters of this instance only (the store's total above is the fleet's). */
  private ingestCounters(stats: IngestStats): void {
    new Counter({
      name: 'fleet_ingest_messages_total',
      help: 'Box messages this instance stored, by kind',
      labelNames: ['kind'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [kind, n] of Object.entries(stats.accepted)) this.inc({ kind }, n);
      },
    });
    new Counter({
      name: 'fleet_ingest_rejected_total',
      help: 'Box messages this instance rejected, by error code',
      labelNames: ['code'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [code, n] of Object.entries(stats.rejected)) this.inc({ code }, n ?? 0);
      },
    });
    new Counter({
      name: 'fleet_ingest_passes_stored_total',
      help: 'Passes this instance stored (first copies; re-sent duplicates are not counted)',
      registers: [this.registry],
      collect() {
        this.reset();
        this.inc(stats.passesStored);
      },
    });
  }
}
