import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock } from '../../platform/clock.ts';
import type { Logger } from '../../platform/log.ts';
import { err, ok, type Result } from '../../protocol/core/result.ts';
import { decide, RightsStore } from '../access/index.ts';
import { RightsFreshness } from '../access/freshness.ts';
import type { LoadedConfig } from '../config/load.ts';
import type { DeviceConfig } from '../config/schema.ts';
import type { Device } from '../devices/device.ts';
import type { Printer } from '../devices/printer-port.ts';
import type { Reader } from '../devices/reader.ts';
import type { Turnstile } from '../devices/turnstile-port.ts';
import { PassJournal } from '../journal/pass-journal.ts';
import type { JournalAlert } from '../journal/storage-bound.ts';
import { EmergencyState } from '../lanes/emergency.ts';
import { GrantSampler } from '../lanes/grant-sampler.ts';
import { Lane, type DecideFn } from '../lanes/lane.ts';
import { LaneSet } from '../lanes/lane-set.ts';
import { occupancyPolicies } from '../lanes/occupancy.ts';
import { PassageMemory, RETAIN_MS } from '../lanes/passage-memory.ts';
import { TicketBook } from '../tickets/ticket-book.ts';
import { TicketIssuer } from '../tickets/ticket-issuer.ts';
import { loadOrCreateTicketKey, type TicketKey } from '../tickets/ticket-key.ts';
import type { Transport, TransportConfig } from '../transport/transport.ts';
import type { DriverContext, DriverRegistry } from './driver-registry.ts';
import type { BoxError } from './errors.ts';

export interface BoxOptions {
  readonly loaded: LoadedConfig;
  readonly drivers: DriverRegistry;
  readonly createTransport: (config: TransportConfig) => Transport;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The rules engine; agent/access decide() unless a test swaps it. */
  readonly decide?: DecideFn;
  /** Journal storage alerts (the uplink turns them into events). */
  readonly onJournalAlert?: (alert: JournalAlert) => void;
}

export interface Box {
  readonly journal: PassJournal;
  readonly rights: RightsStore;
  /** Day and guest passes this box prints, signed with its own key (agent/tickets). */
  readonly tickets: TicketIssuer;
  /** The public half is announced to the fleet, which publishes it to the club's boxes. */
  readonly ticketKey: TicketKey;
  readonly lanes: LaneSet;
  readonly devices: ReadonlyMap<string, Device>;
  /** The uplink's fleet session came up or went down (the offline rights policy counts from it). */
  fleetContact(connected: boolean): void;
  start(): Promise<void>;
  stop(): Promise<void>;
}

const DEFAULT_DEBOUNCE_MS = 1500;
/** One grant in a hundred is journaled with its explanation: enough to see what a granting box holds, little to store. */
const DEFAULT_EXPLAIN_GRANT_SHARE = 0.01;

/** The lane's safety net sits well above the turnstile's own passage window. */
function passageGuardMs(turnstile: DeviceConfig | undefined): number {
  return (turnstile?.kind === 'turnstile' ? turnstile.passageWindowMs : 25_000) + 5000;
}

/**
 * The composition root's work: stores in the data directory, one device per configured
 * device (through the driver registry), the lanes wired to them. Returns every problem at
 * once (a missing driver, a driver refusing its options) rather than the first.
 */
export function buildBox(options: BoxOptions): Result<Box, BoxError[]> {
  const { loaded, clock, logger } = options;
  const { config, dataDir } = loaded;
  // Every device must have a driver before anything is created on disk.
  const missing: BoxError[] = config.devices
    .filter((d) => !options.drivers.has(d.kind))
    .map((d) => ({ code: 'BOX_NO_DRIVER', message: `device "${d.id}": no driver for kind "${d.kind}" in this agent (available: ${options.drivers.kinds().join(', ') || 'none'})` }));
  if (missing.length > 0) return err(missing);
  let journal: PassJournal | undefined;
  let rights: RightsStore | undefined;
  let ticketBook: TicketBook;
  let ticketKey: TicketKey;
  try {
    mkdirSync(dataDir, { recursive: true });
    journal = new PassJournal({
      path: join(dataDir, 'journal.db'),
      clock,
      logger: logger.child({ component: 'journal' }),
      ...(config.journal ?? {}),
      ...(options.onJournalAlert ? { onAlert: options.onJournalAlert } : {}),
    });
    rights = RightsStore.open(join(dataDir, 'rights.db'), { clock });
    ticketKey = loadOrCreateTicketKey(dataDir);
    ticketBook = new TicketBook(join(dataDir, 'tickets.db'), clock.now());
  } catch (e) {
    journal?.close();
    rights?.close();
    return err([{ code: 'BOX_STORAGE_FAILED', message: `data directory ${dataDir}: ${(e as Error).message}` }]);
  }

  const errors: BoxError[] = [];
  const devices = new Map<string, Device>();
  const buses = new Map<string, unknown>();
  const busConfigs = new Map((config.buses ?? []).map((b) => [b.id, b]));
  const context: DriverContext = {
    clock,
    logger,
    dataDir,
    transportFor: options.createTransport,
    devicesOnBus: (busId) => config.devices.filter((d) => 'bus' in d && d.bus === busId),
    bus<T>(busId: string, create: (transport: Transport) => T): T {
      const bus = busConfigs.get(busId);
      if (!bus) throw new Error(`no bus "${busId}" is configured`);
      if (!buses.has(busId)) buses.set(busId, create(options.createTransport(bus.transport)));
      return buses.get(busId) as T;
    },
  };
  for (const device of config.devices) {
    try {
      const built = options.drivers.create(device, { ...context, logger: logger.child({ device: device.id }) });
      if (built) devices.set(device.id, built);
    } catch (e) {
      errors.push({ code: 'BOX_DRIVER_FAILED', message: `device "${device.id}" (${device.kind}): ${(e as Error).message}` });
    }
  }
  if (errors.length > 0) {
    journal.close();
    rights.close();
    ticketBook.close();
    return err(errors);
  }
  const store = rights;

  const freshness = new RightsFreshness({
    clock,
    maxAgeMs: config.offline.rightsMaxAgeHours * 3600_000,
    policy: config.offline.whenRightsExpired,
    appliedAt: () => store.status().appliedAt,
  });
  const zoneTimeZone = (zoneId: string) => store.view().zone(zoneId)?.timezone;
  const memory = new PassageMemory(
    () => store.view(),
    () => freshness.expired(),
    occupancyPolicies(config.occupancy, zoneTimeZone),
    new Map([[ticketKey.keyId, ticketKey.publicKey]]),
  );
  const zoneOfLane = new Map(config.lanes.map((l) => [l.id, l.zone]));
  const since = clock.now() - RETAIN_MS;
  const replayed = memory.replay(journal.passagesSince(since), (laneId) => zoneOfLane.get(laneId), journal.history.correctionsSince(since));
  // The club's other boxes' passages: occupancy counts them in passage time order, whatever the order here.
  const relayed = memory.recordRelayedMany(journal.history.relayedSince(since));
  logger.info({ replayed, relayed }, 'lane memory rebuilt from the journal');
  const emergency = new EmergencyState();
  const grantSampler = new GrantSampler(config.lanePolicy?.explainGrantShare ?? DEFAULT_EXPLAIN_GRANT_SHARE);
  const lanes = config.lanes.map(
    (spec) =>
      new Lane({
        spec,
        readers: spec.readers.map((r) => devices.get(r.reader) as Reader),
        turnstile: devices.get(spec.turnstile) as Turnstile,
        decide: options.decide ?? decide,
        memory,
        emergency,
        journal,
        clock,
        logger: logger.child({ component: 'lane' }),
        debounceMs: config.lanePolicy?.debounceMs ?? DEFAULT_DEBOUNCE_MS,
        grantSampler,
        passageGuardMs: passageGuardMs(config.devices.find((d) => d.id === spec.turnstile)),
        onRecorded: (pass, decision) => {
          // A pack visit is used only by a confirmed entry, and only once it is journaled.
          if (pass.outcome !== 'passed' || !decision?.consumesVisit || decision.rightId === undefined) return;
          const recorded = store.recordVisit(decision.rightId, `${config.box.id}:${pass.seq}`, pass.ts);
          if (!recorded.ok) logger.error({ error: recorded.error, seq: pass.seq }, 'pack visit could not be recorded');
        },
      }),
  );
  const turnstiles = config.lanes.map((l) => devices.get(l.turnstile) as Turnstile);
  const laneSet = new LaneSet({ lanes, turnstiles, emergency, memory, journal: journal.history, clock, logger });

  const tickets = new TicketIssuer({
    key: ticketKey,
    book: ticketBook,
    printer: config.printer === undefined ? undefined : (devices.get(config.printer) as Printer | undefined),
    clock,
    clubName: () => store.clubName ?? config.box.name ?? config.box.id,
    timeZoneOf: zoneTimeZone,
    guestPassesPerDay: config.localUi.totem?.guestPassesPerDay ?? 1,
  });

  return ok({
    journal,
    rights: store,
    tickets,
    ticketKey,
    lanes: laneSet,
    devices,
    fleetContact: (connected) => freshness.fleetContact(connected),
    async start() {
      laneSet.start();
      const started = await Promise.allSettled([...devices.values()].map((d) => d.start()));
      started.forEach((r, i) => {
        // A device that cannot start yet stays offline and keeps retrying; the box still runs its other lanes.
        if (r.status === 'rejected') logger.error({ err: r.reason, device: [...devices.keys()][i] }, 'device did not start');
      });
      logger.info({ box: config.box.id, devices: devices.size, lanes: lanes.length, journal: journal.stats() }, 'box started');
    },
    async stop() {
      laneSet.stop();
      await Promise.allSettled([...devices.values()].map((d) => d.stop()));
      journal.close();
      store.close();
      ticketBook.close();
      logger.info({ box: config.box.id }, 'box stopped');
    },
  });
}
