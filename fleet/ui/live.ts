import type { Clock, TimerHandle } from '../../platform/clock.ts';
import type { Logger } from '../../platform/log.ts';
import type { LiveProbe, LiveTopic } from '../store/live-probe.ts';

export type { LiveTopic } from '../store/live-probe.ts';

type Listener = (topics: LiveTopic[]) => void;

/**
 * Tells the dashboards what changed in the store, so that they refetch only that. It probes
 * the store once a period while at least one dashboard listens, and is idle otherwise.
 * Probing the store (rather than relaying MQTT) means a notified change is already
 * readable through the API.
 */
export class LiveChanges {
  private readonly listeners = new Set<Listener>();
  private last: Map<LiveTopic, unknown> | undefined;
  private timer: TimerHandle | undefined;
  private probing = false;

  constructor(
    private readonly store: LiveProbe,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly periodMs = 1000,
  ) {}

  subscribe(listener: Listener): () => void {
    if (this.listeners.size === 0) {
      this.last = undefined;
      void this.tick();
      this.timer = this.clock.setInterval(() => void this.tick(), this.periodMs);
    }
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.stop();
    };
  }

  stop(): void {
    this.clock.clearInterval(this.timer);
    this.timer = undefined;
  }

  private async tick(): Promise<void> {
    // A probe still running (a slow store) skips this period rather than piling up.
    if (this.probing) return;
    this.probing = true;
    try {
      const now = await this.store.probe();
      const before = this.last;
      this.last = now;
      // The first probe after subscribing only sets the baseline.
      if (before === undefined) return;
      const changed = [...now].filter(([t, v]) => before.get(t) !== v).map(([t]) => t);
      if (changed.length === 0) return;
      for (const l of [...this.listeners]) l(changed);
    } catch (e) {
      this.logger.warn({ err: e }, 'live changes probe failed');
    } finally {
      this.probing = false;
    }
  }
}
