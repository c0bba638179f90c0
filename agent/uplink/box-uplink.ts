import { statfs } from 'node:fs/promises';
import type { IClientOptions, MqttClient } from 'mqtt';
import type { Clock } from '../../platform/clock.ts';
import type { Logger } from '../../platform/log.ts';
import type { Box } from '../box/build-box.ts';
import { configWithoutSecrets, runDoctor } from '../box/doctor.ts';
import type { BoxConfig } from '../config/schema.ts';
import type { CommandTarget } from './commands.ts';
import { UplinkError } from './errors.ts';
import type { LogRing } from './log-ring.ts';
import { testTicketPrinter } from './test-ticket.ts';
import { Uplink, type UplinkOptions } from './uplink.ts';

export interface BoxUplinkOptions {
  readonly box: Box;
  readonly config: BoxConfig;
  readonly dataDir: string;
  readonly password: string;
  readonly agentVersion: string;
  readonly release?: UplinkOptions['release'];
  readonly clock: Clock;
  readonly logger: Logger;
  /** What a `restart-agent` command does once answered (main.ts: stop cleanly, exit for the supervisor). */
  readonly restartAgent: () => void;
  /** The agent's recent log lines (its logger writes into it): without it fetch-logs is unsupported. */
  readonly logs?: LogRing;
  readonly random?: () => number;
  readonly tuning?: Pick<UplinkOptions, 'healthIntervalMs' | 'outbox' | 'backoff'>;
  readonly connect?: (url: string, options: IClientOptions) => MqttClient;
  readonly onUpdateJob?: UplinkOptions['onUpdateJob'];
  readonly onConfigDesired?: UplinkOptions['onConfigDesired'];
}

/** Binds the uplink to a built box: its journal, rights, devices, and lanes as command targets. */
export function createBoxUplink(o: BoxUplinkOptions): Uplink {
  const { box, config } = o;
  // The doctor measures through the uplink, which is built with these commands: bound below.
  const late: { uplink?: Uplink } = {};
  const commands: CommandTarget = {
    async openLane(laneId, direction, operator, note) {
      const result = await box.lanes.manualOpen(laneId, operator, note, direction);
      if (result.kind === 'busy') throw new UplinkError('UPLINK_LANE_BUSY', `lane ${laneId} is busy with another passage`);
      return { seq: result.pass.seq };
    },
    setLockdown: (on, operator) => box.lanes.setLockdown(on, operator),
    async restartDevice(deviceId) {
      const device = box.devices.get(deviceId);
      if (!device) throw new UplinkError('UPLINK_COMMAND_FAILED', `no device "${deviceId}" on this box`);
      await device.stop();
      await device.start();
    },
    restartAgent: o.restartAgent,
    diagnostics: () => ({
      journal: box.journal.stats(),
      rights: box.rights.status(),
      devices: [...box.devices.values()].map((d) => d.status()),
      lanes: config.lanes.map((l) => ({ laneId: l.id, phase: box.lanes.lane(l.id).phase })),
    }),
    printTestTicket: testTicketPrinter({ devices: box.devices, printerId: config.printer, clubName: config.box.name ?? config.box.id, clock: o.clock }),
    ...(o.logs ? { fetchLogs: fetchLogsFrom(o.logs) } : {}),
    diagnose: (request) =>
      runDoctor(
        {
          devices: () => box.devices.values(),
          checkJournalWritable: () => box.journal.checkWritable(),
          journalStats: () => box.journal.stats(),
          oldestUnsentTs: () => box.journal.readUnsent(1)[0]?.ts ?? null,
          diskSpace: async () => {
            const fs = await statfs(o.dataDir);
            return { freeBytes: fs.bavail * fs.bsize, totalBytes: fs.blocks * fs.bsize };
          },
          rightsVersion: () => box.rights.status().version,
          clockOffsetMs: () => late.uplink?.clockOffsetMs() ?? null,
          brokerRoundTrip: () => (late.uplink ? late.uplink.brokerRoundTrip() : Promise.reject(new UplinkError('UPLINK_NOT_CONNECTED', 'no uplink'))),
          config: () => configWithoutSecrets(config),
        },
        request,
        { clock: o.clock },
      ),
  };
  const uplink = new Uplink({
    boxId: config.box.id,
    url: config.fleet.url,
    password: o.password,
    agentVersion: o.agentVersion,
    ...(o.release ? { release: o.release } : {}),
    dataDir: o.dataDir,
    clock: o.clock,
    logger: o.logger.child({ component: 'uplink' }),
    journal: box.journal,
    rights: box.rights,
    devices: box.devices,
    lanes: () => config.lanes.map((l) => ({ laneId: l.id, state: box.lanes.lane(l.id).phase, occupancy: box.lanes.occupancy(l.zone) })),
    commands,
    onFleetContact: (connected) => box.fleetContact(connected),
    onOccupancyRelay: (m) => box.lanes.recordRelayed(m),
    ticketKey: { keyId: box.ticketKey.keyId, publicKey: box.ticketKey.publicRaw },
    ...(o.random ? { random: o.random } : {}),
    ...(o.connect ? { connect: o.connect } : {}),
    ...(o.onUpdateJob ? { onUpdateJob: o.onUpdateJob } : {}),
    ...(o.onConfigDesired ? { onConfigDesired: o.onConfigDesired } : {}),
    ...o.tuning,
  });
  late.uplink = uplink;
  return uplink;
}

/** The command result is one MQTT message (256 KiB limit): the newest lines that fit in 200 KiB. */
const FETCH_LOGS_MAX_CHARS = 200 * 1024;

function fetchLogsFrom(ring: LogRing): (lines: number) => Promise<string[]> {
  return (lines) => Promise.resolve(ring.tail(lines, FETCH_LOGS_MAX_CHARS));
}
