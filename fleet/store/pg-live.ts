import pg from 'pg';
import { LIVE_TOPICS, type LiveProbe, type LiveTopic } from './live-probe.ts';

export const LIVE_CHANNEL = 'resabox_live';
const RECONNECT_MS = 1000;

/**
 * PostgreSQL's probe: triggers (pg-migrations/001, 200) notify channel resabox_live with a
 * topic after each commit, whichever instance wrote; this listener counts them. After a
 * lost listening connection every topic counts as changed (notifications may have been
 * missed meanwhile).
 */
export class PgLiveProbe implements LiveProbe {
  private readonly counts = new Map<LiveTopic, number>(LIVE_TOPICS.map((t) => [t, 0]));
  private generation = 0;
  private client: pg.Client | undefined;
  private retry: NodeJS.Timeout | undefined;
  private closed = false;

  private constructor(private readonly config: pg.ClientConfig) {}

  static async start(config: pg.ClientConfig): Promise<PgLiveProbe> {
    const probe = new PgLiveProbe(config);
    await probe.listen();
    return probe;
  }

  async probe(): Promise<Map<LiveTopic, unknown>> {
    return new Map(LIVE_TOPICS.map((t) => [t, `${this.generation}:${this.counts.get(t) ?? 0}`]));
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    await this.client?.end().catch(() => undefined);
  }

  private async listen(): Promise<void> {
    const client = new pg.Client(this.config);
    client.on('notification', (n) => {
      const topic = n.payload as LiveTopic;
      const count = this.counts.get(topic);
      if (count !== undefined) this.counts.set(topic, count + 1);
    });
    const lost = () => {
      if (this.client !== client || this.closed) return;
      this.client = undefined;
      this.generation++;
      this.retry = setTimeout(() => void this.listen().catch(lost), RECONNECT_MS);
      this.retry.unref();
    };
    client.on('error', lost);
    client.on('end', lost);
    this.client = client;
    await client.connect();
    await client.query(`LISTEN ${LIVE_CHANNEL}`);
  }
}
