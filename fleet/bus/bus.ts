/**
 * The fleet's one view of MQTT, whatever the broker: the embedded aedes (in process) or
 * an external broker reached as a client (Mosquitto). Ingest and the API's command and
 * rights pushes use only this.
 */
export interface BusMessage {
  readonly topic: string;
  readonly payload: Buffer;
  /** True when the broker delivered a retained message (e.g. a box's last state). */
  readonly retain: boolean;
}

/**
 * Handles one message. A returned promise is awaited before the next message of the
 * same subscription is handled, so a handler that commits then acknowledges keeps order.
 */
export type BusHandler = (message: BusMessage) => void | Promise<void>;

export interface PublishOptions {
  readonly qos: 0 | 1;
  readonly retain?: boolean;
}

export interface FleetBus {
  /** Resolves once the broker has taken the message (QoS 1: PUBACK from an external broker). */
  publish(topic: string, payload: Buffer | string, options: PublishOptions): Promise<void>;
  /** Subscribes a filter (`+`/`#` allowed: this is the fleet's own identity). Resolves to an unsubscribe function. */
  subscribe(filter: string, handler: BusHandler): Promise<() => Promise<void>>;
  /** A bus that can lose its broker (an external one) calls `listener(false)` when it does and `listener(true)` when it is back. */
  onLink?(listener: (up: boolean) => void): void;
  /** False while an external broker is unreachable (readiness); the embedded one is always there. */
  connected?(): boolean;
  close(): Promise<void>;
}

/** MQTT 3.1.1 topic filter matching (section 4.7), `$`-topics excluded from wildcards at the root. */
export function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  if (topic.startsWith('$') && (f[0] === '+' || f[0] === '#')) return false;
  for (let i = 0; i < f.length; i++) {
    const level = f[i];
    if (level === '#') return true;
    if (i >= t.length) return false;
    if (level !== '+' && level !== t[i]) return false;
  }
  return f.length === t.length;
}

/** Messages waiting for one subscription's handler before new ones are dropped. */
export const DEFAULT_MAX_PENDING = 20_000;

/**
 * Runs a subscription's handler one message at a time, in arrival order; a failing
 * handler never stops the queue. The queue is bounded: when the fleet cannot keep up, new
 * messages are dropped (`onDrop`) rather than growing memory without end. That loses
 * nothing stored: health is QoS 0 anyway, and an unacknowledged pass batch is re-sent.
 */
export class SerialHandler {
  private tail: Promise<void> = Promise.resolve();
  private waiting = 0;

  constructor(
    private readonly handler: BusHandler,
    private readonly onError: (error: unknown, message: BusMessage) => void,
    private readonly maxPending = DEFAULT_MAX_PENDING,
    private readonly onDrop: (message: BusMessage) => void = () => undefined,
  ) {}

  get pending(): number {
    return this.waiting;
  }

  push(message: BusMessage): Promise<void> {
    if (this.waiting >= this.maxPending) {
      this.onDrop(message);
      return this.tail;
    }
    this.waiting++;
    this.tail = this.tail.then(async () => {
      try {
        await this.handler(message);
      } catch (e) {
        this.onError(e, message);
      } finally {
        this.waiting--;
      }
    });
    return this.tail;
  }
}
