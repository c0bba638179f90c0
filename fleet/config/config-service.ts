import type { Clock } from '../../platform/clock.ts';
import type { Logger } from '../../platform/log.ts';
import { encode, topicFor, type ConfigDesiredMessage } from '../../protocol/mqtt/index.ts';
import { apiError } from '../api/errors.ts';
import type { FleetBus } from '../bus/bus.ts';
import type { BoxDirectory } from '../store/box-directory.ts';
import type { DesiredConfig, DesiredConfigRepository } from '../store/desired-configs.ts';
import { configDiff, type ConfigDifference } from './diff.ts';

export interface ConfigServiceDeps {
  store: DesiredConfigRepository;
  boxes: BoxDirectory;
  bus: FleetBus;
  clock: Clock;
  logger: Logger;
}

/** A box's configuration as the fleet sees it: what support set, what the box reported, and how they differ. */
export interface ConfigView {
  boxId: string;
  desired: DesiredConfig | null;
  reported: ({ [field: string]: unknown; receivedAt: number }) | null;
  /** The box runs the desired version (or nothing was ever set). */
  inSync: boolean;
  /** Desired against what the box runs; empty when there is no desired configuration. */
  diff: ConfigDifference[];
}

/**
 * Remote configuration, fleet side (docs/updates.md): keeps each box's desired
 * configuration with its version, who set it and the ticket, publishes it retained on
 * `config/desired`, and reads what the box reported on `config/reported` (stored by
 * ingest) to show both and their difference. The box checks and applies it.
 */
export class ConfigService {
  constructor(private readonly d: ConfigServiceDeps) {}

  /** After a restart the broker may have lost its retained messages: publishes again what boxes have not applied yet. */
  async start(): Promise<void> {
    for (const c of await this.d.store.list()) {
      const v = await this.view(c.boxId);
      if (!v.inSync) await this.publish(c);
    }
  }

  async view(boxId: string): Promise<ConfigView> {
    const box = await this.d.boxes.detail(boxId);
    if (!box) throw apiError('BOX_NOT_FOUND');
    const desired = (await this.d.store.get(boxId)) ?? null;
    const report: ConfigView['reported'] = box.reportedConfig ? { ...(box.reportedConfig.report as Record<string, unknown>), receivedAt: box.reportedConfig.receivedAt } : null;
    const runningVersion = report ? Number(report.runningVersion ?? (report.status === 'applied' ? report.version : 0)) : null;
    return {
      boxId,
      desired,
      reported: report,
      inSync: desired === null || runningVersion === desired.version,
      diff: desired && report?.config ? configDiff(desired.config, report.config) : [],
    };
  }

  /** A new desired configuration: version one above anything the box or the fleet had, stored, then published. */
  async set(boxId: string, config: Record<string, unknown>, setBy: string, ticket: string): Promise<ConfigView> {
    const box = await this.d.boxes.get(boxId);
    if (!box) throw apiError('BOX_NOT_FOUND');
    if (box.status !== 'active') throw apiError('COMMAND_BOX_NOT_ACTIVE', 'configurations go only to active boxes');
    const id = (config.box as { id?: unknown } | undefined)?.id;
    if (id !== boxId) throw apiError('CONFIG_BOX_MISMATCH', `the configuration is for box ${JSON.stringify(id ?? null)}, not ${boxId}`);
    const before = await this.view(boxId);
    const version = Math.max(before.desired?.version ?? 0, Number(before.reported?.version ?? 0), Number(before.reported?.runningVersion ?? 0)) + 1;
    const row: DesiredConfig = { boxId, version, config, setBy, ticket, setAt: this.d.clock.now() };
    await this.d.store.put(row);
    await this.publish(row);
    this.d.logger.info({ boxId, version, setBy, ticket }, 'desired configuration set');
    return this.view(boxId);
  }

  private async publish(c: DesiredConfig): Promise<void> {
    const m: ConfigDesiredMessage = { v: 1, version: c.version, issuedAt: c.setAt, config: c.config, ticket: c.ticket };
    try {
      await this.d.bus.publish(topicFor('configDesired', c.boxId), Buffer.from(encode('configDesired', m)), { qos: 1, retain: true });
    } catch (e) {
      // Stored: published again at the next start, or by the next change.
      this.d.logger.warn({ err: e, boxId: c.boxId, version: c.version }, 'desired configuration not published');
    }
  }
}
