import type { EventMessage, UpdateStatusMessage } from '../../protocol/mqtt/index.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Logger } from '../../platform/log.ts';
import type { BoxIdentity } from './fit.ts';

/** What the update machine (updater.ts) and its effects (effects.ts) are given. */
export interface UpdaterOptions {
  /** The box's root: releases/, current, launcher/, update/. */
  root: string;
  box: BoxIdentity;
  /** root.json shipped with the box (TUF trust anchor). */
  trustAnchor: string;
  clock: Clock;
  log: Logger;
  /** Sends `update/status` (the uplink wires it to MQTT). */
  publishStatus: (status: UpdateStatusMessage) => void | Promise<void>;
  /** Sends an `events` message (update.rolled-back). */
  publishEvent: (event: EventMessage) => void | Promise<void>;
  /** Ends this agent so the launcher starts `current` (exit with RESTART_EXIT_CODE). */
  requestRestart: () => void;
  /** Time of the last served pass, for the install window's idle minutes. */
  lastPassAt: () => number | null;
  pollMs?: number;
  downloadAttempts?: number;
  /**
   * State-loop guard (as Mender's client has): a state entered more often than this (each
   * resume after a crash or restart counts, in the persisted record) fails the update with
   * UPDATE_STATE_LOOP instead of running its effect again. Default 10.
   */
  maxStateEntries?: number;
}
