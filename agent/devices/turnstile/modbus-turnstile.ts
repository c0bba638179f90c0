import type { Clock, TimerHandle } from '../../../platform/clock.ts';
import type { Logger } from '../../../platform/log.ts';
import type { Transport } from '../../transport/transport.ts';
import type { DeviceProbe, DeviceState, DeviceStatus } from '../device.ts';
import type { Direction, PassageOutcome, Turnstile, TurnstileEvent } from '../turnstile-port.ts';
import type { TurnstileConfig } from './config.ts';
import { TurnstileError } from './errors.ts';
import { ModbusMaster } from './modbus-master.ts';
import { ModuleWatchdogKeeper } from './module-watchdog.ts';
import type { PassageEvent } from './passage.ts';
import { PassageLanes } from './passage-lanes.ts';
import { PollHold } from './poll-hold.ts';
import { StatusBoard } from './status-board.ts';
import { DIRECTIONS, UnlockRelays } from './unlock-relays.ts';

export { MAX_POLL_HOLD_MS } from './poll-hold.ts';

export interface ModbusTurnstileDeps {
  readonly transport: Transport;
  readonly clock: Clock;
  readonly logger: Logger;
}

/**
 * A tripod or optical turnstile behind a Modbus RTU relay/input module: unlock relays per
 * direction, PASS/ready/alarm/fire-loop inputs polled fast enough to catch a 250 ms PASS
 * pulse. Passage logic lives in passage.ts (run by passage-lanes.ts), the relays in unlock-relays.ts, the module's
 * watchdog in module-watchdog.ts, bus access in modbus-master.ts.
 */
export class ModbusTurnstile implements Turnstile {
  readonly kind = 'turnstile' as const;
  readonly id: string;
  private master: ModbusMaster;
  private readonly board: StatusBoard;
  private readonly moduleWatchdog: ModuleWatchdogKeeper;
  private readonly relays: UnlockRelays;
  private readonly hold: PollHold;
  private readonly lanes: PassageLanes;
  private readonly eventListeners = new Set<(e: TurnstileEvent) => void>();
  private readonly inputBase: number;
  private readonly inputCount: number;
  private running = false;
  private pollTimer: TimerHandle | undefined;
  private lastInputs: boolean[] | undefined;
  private lastWatchdog = Number.NEGATIVE_INFINITY;
  private failures = 0;
  private outOfService = false;
  private fireAlarm = false;
  private lockdown = false;
  private counters = { forcedPassages: 0, passagesDuringFireAlarm: 0 };

  constructor(
    private readonly config: TurnstileConfig,
    private readonly deps: ModbusTurnstileDeps,
  ) {
    this.id = config.id;
    this.master = new ModbusMaster(deps.transport, { clock: deps.clock, logger: deps.logger, ...config.request });
    this.board = new StatusBoard(config.id, deps.clock);
    this.moduleWatchdog = new ModuleWatchdogKeeper(config.moduleWatchdog, config.unit, deps.clock);
    this.relays = new UnlockRelays({ config, clock: deps.clock, logger: deps.logger, board: this.board, master: () => this.master, fireAlarm: () => this.fireAlarm, onError: (e) => this.recordError(e) });
    this.hold = new PollHold(deps.clock);
    this.lanes = new PassageLanes({ config, clock: deps.clock, logger: deps.logger, board: this.board, relays: this.relays, onForcedPassage: (d) => this.onForcedPassage(d) });
    const inputs = Object.values(config.inputs);
    this.inputBase = Math.min(...inputs);
    this.inputCount = Math.max(...inputs) - this.inputBase + 1;
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    if (this.master.isDisposed) this.master = new ModbusMaster(this.deps.transport, { clock: this.deps.clock, logger: this.deps.logger, ...this.config.request });
    this.outOfService = false;
    this.failures = 0;
    this.lastInputs = undefined;
    this.lastWatchdog = Number.NEGATIVE_INFINITY;
    this.hold.reset();
    this.publishStatus({ stopped: false });
    // Before anything else, every output off: a relay left on by a run that died must not
    // keep a lane open. During a fire alarm this blips the held relays for a few ms, which
    // the controller's own fire input covers.
    await this.forceOutputsOff();
    // Then the module's watchdog, so that from now on the relays drop if this process dies.
    await this.armWatchdog(true);
    await this.poll();
    if (!this.outOfService) await this.relays.writeAll();
  }

  private async forceOutputsOff(): Promise<void> {
    try {
      await this.ensureOpen();
      await this.relays.forceAllOff();
    } catch (e) {
      this.recordError(e);
    }
  }

  /** Arms (`write`) or checks the module's watchdog; a failure is recorded, and in potential mode it ends any passage. */
  private async armWatchdog(write: boolean): Promise<void> {
    try {
      await this.moduleWatchdog.ensure(this.master, write);
    } catch (e) {
      this.recordError(e);
      this.deps.logger.error({ code: 'TURNSTILE_WATCHDOG_UNARMED', err: (e as Error).message }, 'I/O module watchdog not armed');
      if (this.config.mode === 'potential') for (const d of DIRECTIONS) this.dispatch(d, { type: 'abort' });
    }
    this.publishStatus();
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.deps.clock.clearTimeout(this.pollTimer);
    for (const d of DIRECTIONS) this.dispatch(d, { type: 'abort' });
    // Released even during a fire alarm: without the agent nobody would release them after
    // it, and the controller's own fire input keeps the arm free meanwhile.
    this.fireAlarm = false;
    await this.relays.writeAll();
    this.master.dispose();
    await this.deps.transport.close();
    this.publishStatus({ stopped: true });
  }

  open(direction: Direction): Promise<PassageOutcome> {
    const refuse = (code: Extract<PassageOutcome, { kind: 'refused' }>['code'], message: string): Promise<PassageOutcome> => Promise.resolve({ kind: 'refused', code, message });
    if (this.fireAlarm) return refuse('FIRE_ALARM', 'the fire-alarm loop is open: the turnstile is free and takes no commands');
    if (!this.running || this.outOfService) return refuse('OUT_OF_SERVICE', `turnstile ${this.id} is out of service`);
    if (this.lockdown) return refuse('LOCKDOWN', `turnstile ${this.id} is in lock-down`);
    if (this.config.mode === 'potential' && this.moduleWatchdog.state !== 'armed') {
      return refuse('OUT_OF_SERVICE', `turnstile ${this.id}: potential mode needs the I/O module's watchdog armed, and it is not`);
    }
    return new Promise((resolve) => this.dispatch(direction, { type: 'open' }, resolve));
  }

  setLockdown(on: boolean): void {
    this.lockdown = on;
    this.publishStatus();
  }

  onEvent(listener: (event: TurnstileEvent) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  status(): DeviceStatus {
    return this.board.snapshot();
  }

  onStatus(listener: (status: DeviceStatus) => void): () => void {
    return this.board.subscribe(listener);
  }

  private dispatch(direction: Direction, event: PassageEvent, caller?: (o: PassageOutcome) => void): void {
    this.lanes.dispatch(direction, event, caller);
  }

  private onForcedPassage(direction: Direction): void {
    this.counters.forcedPassages++;
    this.deps.logger.warn({ direction }, 'forced passage: PASS without a granted open');
    this.emit({ kind: 'forced-passage', direction, at: this.deps.clock.now() });
    this.publishStatus();
  }

  /** Opens the link if it is closed (first start, unplugged adapter); throws MODBUS_LINK_DOWN if it cannot. */
  private async ensureOpen(): Promise<void> {
    if (this.deps.transport.isOpen) return;
    try {
      await this.deps.transport.open();
    } catch (e) {
      throw new TurnstileError('MODBUS_LINK_DOWN', `${this.deps.transport.description} cannot be opened: ${(e as Error).message}`);
    }
  }

  /** One read of the module's inputs now, queued like a poll (the box doctor); no side effect on the lanes. */
  async probe(): Promise<DeviceProbe> {
    if (!this.running) return { answered: false, code: 'MODBUS_LINK_DOWN', message: 'the turnstile driver is stopped' };
    try {
      await this.ensureOpen();
      await this.master.readDiscreteInputs(this.config.unit, this.inputBase, this.inputCount);
      return { answered: true };
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      return { answered: false, code: typeof code === 'string' ? code : 'MODBUS_TIMEOUT', message: (e as Error).message };
    }
  }

  holdPolls(ms: number): void {
    this.hold.hold(ms);
  }

  private async poll(): Promise<void> {
    if (!this.running) return;
    const wait = this.hold.wait();
    if (wait > 0) {
      this.pollTimer = this.deps.clock.setTimeout(() => void this.poll(), wait);
      return;
    }
    try {
      await this.ensureOpen();
      const bits = await this.master.readDiscreteInputs(this.config.unit, this.inputBase, this.inputCount);
      this.onInputs(bits);
      // The relays' read-back is a second exchange: while a hold is on it waits for a later
      // poll, but never beyond twice its interval.
      const sinceWatchdog = this.deps.clock.monotonic() - this.lastWatchdog;
      const held = this.hold.active;
      if (sinceWatchdog >= this.config.watchdogIntervalMs * (held ? 2 : 1)) {
        this.lastWatchdog = this.deps.clock.monotonic();
        await this.relays.check();
      }
      if (this.moduleWatchdog.due && !held) await this.armWatchdog(false);
    } catch (e) {
      // A read cut short by stop() says nothing about the module.
      if (this.running) this.onPollFailed(e);
    }
    if (this.running) this.pollTimer = this.deps.clock.setTimeout(() => void this.poll(), this.outOfService ? this.config.probeIntervalMs : this.config.pollIntervalMs);
  }

  private onInputs(bits: boolean[]): void {
    const bit = (address: number): boolean => bits[address - this.inputBase] === true;
    this.failures = 0;
    if (this.outOfService) this.backInService();
    const fire = !bit(this.config.inputs.fireLoopClosed);
    if (fire !== this.fireAlarm) this.setFireAlarm(fire);
    const previous = this.lastInputs;
    this.lastInputs = bits;
    for (const d of DIRECTIONS) {
      const address = d === 'in' ? this.config.inputs.passIn : this.config.inputs.passOut;
      // The first read after start or an outage is a baseline: a PASS already high is not a new passage.
      if (!previous || previous[address - this.inputBase] === true || !bit(address)) continue;
      if (this.fireAlarm) this.counters.passagesDuringFireAlarm++;
      else this.dispatch(d, { type: 'pass' });
    }
    this.publishStatus({ ready: bit(this.config.inputs.ready), alarm: bit(this.config.inputs.alarm) });
  }

  private onPollFailed(e: unknown): void {
    this.recordError(e);
    this.failures++;
    if (this.outOfService || this.failures < this.config.offlineAfterFailures) return;
    this.outOfService = true;
    this.lastInputs = undefined;
    // The module may come back from a power cut with its watchdog off: checked before potential mode opens again.
    this.moduleWatchdog.forget();
    const reason = e instanceof Error ? e.message : String(e);
    this.deps.logger.error({ failures: this.failures, reason }, 'turnstile module not answering: lane out of service');
    for (const d of DIRECTIONS) this.dispatch(d, { type: 'abort' });
    this.emit({ kind: 'out-of-service', active: true, at: this.deps.clock.now(), reason });
    this.publishStatus();
  }

  private backInService(): void {
    this.outOfService = false;
    this.deps.logger.info('turnstile module answers again: lane back in service');
    this.emit({ kind: 'out-of-service', active: false, at: this.deps.clock.now() });
    void this.relays.writeAll();
  }

  private setFireAlarm(active: boolean): void {
    this.fireAlarm = active;
    this.deps.logger.warn({ active }, active ? 'fire-alarm loop open: turnstile free, commands refused' : 'fire-alarm loop closed again');
    if (active) for (const d of DIRECTIONS) this.dispatch(d, { type: 'abort' });
    void this.relays.writeAll();
    this.emit({ kind: 'fire-alarm', active, at: this.deps.clock.now() });
  }

  private recordError(e: unknown): void {
    const code = e instanceof TurnstileError ? e.code : 'MODBUS_LINK_DOWN';
    this.board.error(code, e instanceof Error ? e.message : String(e));
  }

  private emit(event: TurnstileEvent): void {
    for (const l of [...this.eventListeners]) l(event);
  }

  private publishStatus(io: { ready?: boolean; alarm?: boolean; stopped?: boolean } = {}): void {
    const ready = io.ready ?? this.board.snapshot().detail?.ready ?? null;
    const alarm = io.alarm ?? this.board.snapshot().detail?.alarm ?? null;
    let state: DeviceState = 'online';
    if (!this.running || this.outOfService) state = 'offline';
    else if (this.lastInputs === undefined) state = 'starting';
    else if (this.fireAlarm || ready === false || alarm === true || this.moduleWatchdog.state === 'unarmed') state = 'degraded';
    const watchdog = { moduleWatchdog: this.moduleWatchdog.state, moduleWatchdogMs: this.moduleWatchdog.timeoutMs };
    this.board.update(state, { ...(io.stopped === undefined ? {} : { stopped: io.stopped }), mode: this.config.mode, fireAlarm: this.fireAlarm, lockdown: this.lockdown, ready, alarm, ...watchdog, ...this.counters, watchdogReleases: this.relays.releases, requestTimeouts: this.master.stats.timeouts });
  }
}
