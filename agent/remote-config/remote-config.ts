import type { ConfigDesiredMessage, ConfigReportedMessage } from '../../protocol/mqtt/index.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Logger } from '../../platform/log.ts';
import { formatConfigError } from '../config/errors.ts';
import { validateConfig } from '../config/load.ts';
import type { BoxConfig } from '../config/schema.ts';
import type { DeviceStatus } from '../devices/device.ts';
import { configChanges } from './changes.ts';
import { remoteConfigError, type RemoteConfigError } from './errors.ts';
import { fileSha, loadState, MAX_TRIAL_BOOTS, saveState, type LastOutcome, type RemoteConfigState, type ReportStatus } from './state.ts';

export interface RemoteConfigOptions {
  dataDir: string;
  clock: Clock;
  log: Logger;
  /** Sends `config/reported` (the uplink keeps the latest and sends it again on every connect). */
  report: (m: ConfigReportedMessage) => void;
  /** Ends the agent so that the launcher starts it again (exit 75), with the configuration chosen then. */
  requestRestart: () => void;
  /** How long changed devices have to come up (default 30 s). */
  trialMs?: number;
  pollMs?: number;
}

/** What the agent runs with, chosen at start (RemoteConfig.open). */
export interface ChosenConfig {
  config: BoxConfig;
  version: number;
  /** True when this start is the trial of a configuration just set from the fleet. */
  onTrial: boolean;
}

/**
 * Remote configuration, desired/reported (docs/updates.md): the fleet's `config/desired`
 * is checked as `--check` does, compared with what runs, and applied by restarting the
 * agent through the launcher; on that start the changed devices must come up within the
 * trial period, or the previous configuration is put back and the agent restarted again.
 * Every outcome goes to `config/reported` with its coded error. The state is saved before
 * each restart, so a power cut resumes the trial (or gives up on it after MAX_TRIAL_BOOTS).
 */
export class RemoteConfig {
  private constructor(
    private readonly o: RemoteConfigOptions,
    private state: RemoteConfigState,
    private readonly chosen: ChosenConfig,
  ) {}

  /** Chooses the configuration of this start: a trial, the last one set from the fleet, or the box's file. */
  static async open(o: RemoteConfigOptions, file: { config: BoxConfig; sha: string }): Promise<RemoteConfig> {
    const s = await loadState(o.dataDir);
    const now = o.clock.now();
    // A technician who edits the box's own file takes it back from the fleet.
    if (s.applied && s.applied.baseFileSha !== file.sha) s.applied = null;
    if (s.trial && s.trial.baseFileSha !== file.sha) s.trial = null;
    let chosen: ChosenConfig = s.applied ? { config: s.applied.config, version: s.applied.version, onTrial: false } : { config: file.config, version: 0, onTrial: false };
    if (s.trial) {
      s.trial.boots++;
      if (s.trial.boots > MAX_TRIAL_BOOTS) {
        s.last = outcome(s.trial.version, 'rolled-back', now, remoteConfigError('CONFIG_REMOTE_START_FAILED', `the agent did not get through its start ${MAX_TRIAL_BOOTS} times`));
        s.trial = null;
      } else chosen = { config: s.trial.config, version: s.trial.version, onTrial: true };
    }
    await saveState(o.dataDir, s);
    return new RemoteConfig(o, s, chosen);
  }

  get choice(): ChosenConfig {
    return this.chosen;
  }

  /** Sends the current outcome (also on every connect: the report is retained). */
  reportNow(): void {
    const last = this.state.last;
    const runningVersion = this.chosen.version;
    this.o.report({
      v: 1,
      version: last?.version ?? runningVersion,
      appliedAt: last?.at ?? this.o.clock.now(),
      status: last?.status ?? 'applied',
      errors: last?.errors ?? [],
      error: last?.error ?? null,
      runningVersion,
      config: this.chosen.config as unknown as Record<string, unknown>,
      restarted: last?.restarted ?? [],
    });
  }

  /** The agent could not build or start the box with the trial configuration: back to the previous one. */
  async failedToStart(detail: string): Promise<void> {
    const t = this.state.trial;
    if (!t) return;
    this.o.log.error({ version: t.version, detail }, 'remote configuration did not start: rolling back');
    await this.rollBack(remoteConfigError('CONFIG_REMOTE_START_FAILED', detail));
  }

  /** On a trial start: waits for the changed devices, then keeps the configuration or rolls it back. */
  async watchTrial(devices: () => DeviceStatus[]): Promise<void> {
    const t = this.state.trial;
    if (!t || !this.chosen.onTrial) return;
    const deadline = this.o.clock.monotonic() + (this.o.trialMs ?? 30_000);
    const pending = () => devices().filter((d) => t.devices.includes(d.deviceId) && d.state !== 'online' && d.state !== 'degraded');
    while (pending().length > 0 && this.o.clock.monotonic() < deadline) await new Promise<void>((r) => this.o.clock.setTimeout(r, this.o.pollMs ?? 250));
    const down = pending();
    if (down.length > 0) {
      const why = down.map((d) => `${d.deviceId} ${d.state}${d.lastError ? ` ${d.lastError.code}` : ''}`).join(', ');
      this.o.log.warn({ version: t.version, down: why }, 'remote configuration: changed devices did not come up, rolling back');
      return this.rollBack(remoteConfigError('CONFIG_REMOTE_DEVICE_DOWN', why));
    }
    this.state = { applied: { version: t.version, config: t.config, baseFileSha: t.baseFileSha }, trial: null, last: outcome(t.version, 'applied', this.o.clock.now(), null, [], ['agent']) };
    await saveState(this.o.dataDir, this.state);
    this.o.log.info({ version: t.version, devices: t.devices }, 'remote configuration applied');
    this.reportNow();
  }

  /** A `config/desired` message: refused, applied at once (nothing runs differently), or tried through a restart. */
  async onDesired(m: ConfigDesiredMessage, baseFileSha: string): Promise<void> {
    const s = this.state;
    const known = Math.max(this.chosen.version, s.last?.version ?? 0, s.trial?.version ?? 0);
    if (m.version <= known) return;
    const now = this.o.clock.now();
    const valid = validateConfig(m.config);
    if (!valid.ok) {
      const errors = valid.error.slice(0, 50).map((e) => ({ path: e.path.slice(0, 200), message: formatConfigError(e).slice(0, 300) }));
      return this.settle(outcome(m.version, 'rejected', now, remoteConfigError('CONFIG_REMOTE_INVALID', `${valid.error.length} error(s), first: ${errors[0]?.message ?? ''}`), errors));
    }
    const changes = configChanges(this.chosen.config, valid.value);
    if (changes.locked.length > 0) return this.settle(outcome(m.version, 'rejected', now, remoteConfigError('CONFIG_REMOTE_LOCKED', changes.locked.join(', '))));
    if (changes.none) {
      this.state = { ...s, applied: { version: m.version, config: valid.value, baseFileSha }, last: outcome(m.version, 'applied', now) };
      this.chosen.version = m.version;
      await saveState(this.o.dataDir, this.state);
      return this.reportNow();
    }
    this.state = { ...s, trial: { version: m.version, config: valid.value, baseFileSha, previous: s.applied, devices: changes.devices, boots: 0 }, last: outcome(m.version, 'trial', now, null, [], ['agent']) };
    await saveState(this.o.dataDir, this.state);
    this.o.log.info({ version: m.version, devices: changes.devices }, 'remote configuration: restarting the agent to apply it');
    this.reportNow();
    this.o.requestRestart();
  }

  private async settle(last: LastOutcome): Promise<void> {
    this.state = { ...this.state, last };
    await saveState(this.o.dataDir, this.state);
    this.o.log.warn({ version: last.version, error: last.error }, 'remote configuration refused');
    this.reportNow();
  }

  private async rollBack(error: RemoteConfigError): Promise<void> {
    const t = this.state.trial;
    if (!t) return;
    this.state = { applied: t.previous, trial: null, last: outcome(t.version, 'rolled-back', this.o.clock.now(), error, [], ['agent']) };
    await saveState(this.o.dataDir, this.state);
    // Reported by the next start, which runs the previous configuration again.
    this.o.requestRestart();
  }
}

function outcome(version: number, status: ReportStatus, at: number, error: RemoteConfigError | null = null, errors: LastOutcome['errors'] = [], restarted: string[] = []): LastOutcome {
  return { version, status, at, error, errors, restarted };
}

/**
 * Opens the remote configuration for a starting agent: the configuration to build the box
 * with (`effective`: the file's, or one set from the fleet), and the handler of the fleet's
 * `config/desired`. The trial period comes from RESABOX_CONFIG_TRIAL_S (default 30 s).
 */
export async function openRemoteConfig<L extends { config: BoxConfig; file: string }>(loaded: L, o: Omit<RemoteConfigOptions, 'dataDir'> & { dataDir: string }, env: NodeJS.ProcessEnv = process.env): Promise<{ remote: RemoteConfig; effective: L; onDesired: (m: ConfigDesiredMessage) => Promise<void> }> {
  const sha = await fileSha(loaded.file);
  const trialS = Number(env.RESABOX_CONFIG_TRIAL_S);
  const remote = await RemoteConfig.open({ ...o, ...(Number.isFinite(trialS) && trialS > 0 ? { trialMs: trialS * 1000 } : {}) }, { config: loaded.config, sha });
  return {
    remote,
    effective: { ...loaded, config: remote.choice.config },
    onDesired: (m) => remote.onDesired(m, sha).catch((e: unknown) => o.log.error({ err: e, version: m.version }, 'remote configuration not handled')),
  };
}
