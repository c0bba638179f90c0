import { randomBytes } from 'node:crypto';
import type { Clock, TimerHandle } from '../../platform/clock.ts';
import type { Logger } from '../../platform/log.ts';
import { decodeFromTopic, encode, fleetSubscription, topicFor, type CommandMessage, type CommandResultMessage } from '../../protocol/mqtt/index.ts';
import type { BusMessage, FleetBus } from '../bus/bus.ts';
import { apiError } from '../api/errors.ts';
import type { BoxDirectory } from '../store/box-directory.ts';
import type { CommandLog, CommandRow } from '../store/command-log.ts';

export interface CommandCenterDeps {
  log: CommandLog;
  boxes: BoxDirectory;
  bus: FleetBus;
  clock: Clock;
  logger: Logger;
  defaultTtlMs: number;
}

/** What the API asks for: the command's kind and arguments, without the envelope. */
export type CommandRequest = Pick<CommandMessage, 'kind' | 'args'>;

/** The status the API shows: "sent" is still pending from the operator's point of view. */
export type ShownStatus = 'pending' | 'succeeded' | 'failed' | 'expired' | 'rejected';

export interface ShownCommand extends Omit<CommandRow, 'status'> {
  status: ShownStatus;
  sent: boolean;
}

export const MAX_COMMAND_TTL_MS = 3600_000;

/**
 * Remote commands: stored, then published on the box's `commands` topic (QoS 1) with an
 * expiry in the payload; the box refuses a command it gets after the expiry (MQTT 3.1.1
 * has no message expiry, and a "remote open" must never run minutes late). Answers on
 * `commands/result` are stored; a command without answer past its expiry shows expired.
 */
export class CommandCenter {
  private sweeper: TimerHandle | undefined;
  private unsubscribe: (() => Promise<void>) | undefined;
  private readonly answerListeners = new Set<(commandId: string) => void>();

  constructor(private readonly d: CommandCenterDeps) {}

  async send(boxId: string, request: CommandRequest, ttlMs: number | undefined, operator: string, ticket: string | null): Promise<ShownCommand> {
    const box = await this.d.boxes.get(boxId);
    if (!box) throw apiError('BOX_NOT_FOUND');
    if (box.status !== 'active') throw apiError('COMMAND_BOX_NOT_ACTIVE');
    const now = this.d.clock.now();
    const id = `cmd-${randomBytes(12).toString('hex')}`;
    const expiresAt = now + Math.min(ttlMs ?? this.d.defaultTtlMs, MAX_COMMAND_TTL_MS);
    const message = { v: 1, commandId: id, issuedAt: now, expiresAt, operator: operator.slice(0, 120), ticket, ...request } as CommandMessage;
    // Encoding validates against the contract: an invalid command is refused before it is stored.
    const bytes = encode('command', message);
    await this.d.log.insert({ id, boxId, kind: request.kind, args: request.args as Record<string, unknown>, createdAt: now, expiresAt, operator, ticket });
    try {
      await this.d.bus.publish(topicFor('command', boxId), Buffer.from(bytes), { qos: 1, retain: false });
      await this.d.log.markSent(id, this.d.clock.now());
    } catch (e) {
      // Stays pending and expires on its own; the operator sees it never went out.
      this.d.logger.warn({ err: e, commandId: id, boxId }, 'command publish failed');
    }
    return this.get(id);
  }

  async get(id: string): Promise<ShownCommand> {
    const row = await this.d.log.get(id);
    if (!row) throw apiError('COMMAND_NOT_FOUND');
    return this.show(row);
  }

  async list(f: { boxId?: string; limit: number }): Promise<ShownCommand[]> {
    return (await this.d.log.list(f)).map((r) => this.show(r));
  }

  private show(row: CommandRow): ShownCommand {
    const open = row.status === 'pending' || row.status === 'sent';
    const status: ShownStatus = open ? (row.expiresAt <= this.d.clock.now() ? 'expired' : 'pending') : (row.status as ShownStatus);
    return { ...row, status, sent: row.status !== 'pending' };
  }

  /** Handles one `commands/result` message; never throws on what a box sends. */
  async onResult({ topic, payload }: BusMessage): Promise<void> {
    const decoded = decodeFromTopic(topic, payload);
    if (!decoded.ok || decoded.value.kind !== 'commandResult') {
      this.d.logger.warn({ topic, error: decoded.ok ? 'wrong topic' : decoded.error }, 'command result refused');
      return;
    }
    const m = decoded.value.message as CommandResultMessage;
    const stored = await this.d.log.recordResult(m.commandId, decoded.value.boxId, m.status, m, this.d.clock.now());
    if (!stored) this.d.logger.warn({ boxId: decoded.value.boxId, commandId: m.commandId }, 'command result for an unknown or already answered command');
    else for (const listener of this.answerListeners) listener(m.commandId);
  }

  /** Calls `listener` with the id of each command a box answered, once its result is stored. */
  onAnswer(listener: (commandId: string) => void): () => void {
    this.answerListeners.add(listener);
    return () => this.answerListeners.delete(listener);
  }

  /** Subscribes to every box's `commands/result` and sweeps expiries every `sweepMs`. */
  async start(sweepMs = 5_000): Promise<void> {
    this.unsubscribe = await this.d.bus.subscribe(fleetSubscription('commandResult'), (m) => this.onResult(m));
    this.sweeper = this.d.clock.setInterval(() => {
      this.d.log.expireDue(this.d.clock.now()).catch((e: unknown) => this.d.logger.error({ err: e }, 'command expiry sweep failed'));
    }, sweepMs);
  }

  async stop(): Promise<void> {
    this.d.clock.clearInterval(this.sweeper);
    this.sweeper = undefined;
    await this.unsubscribe?.();
    this.unsubscribe = undefined;
  }
}
