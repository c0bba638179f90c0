import type { CodedError } from '../../../protocol/core/index.ts';
import { EXCEPTION_NAMES } from '../../../protocol/modbus/index.ts';

/** The turnstile area's error catalog: the Modbus master's codes, then the driver's. */
export type TurnstileErrorCode =
  /** No valid reply within the timeout, after every retry: the module is silent or the bus is broken. */
  | 'MODBUS_TIMEOUT'
  /** The module answered with an exception reply (`exception` holds its code). */
  | 'MODBUS_EXCEPTION'
  /** The transport is closed or the write failed: nothing reached the bus. */
  | 'MODBUS_LINK_DOWN'
  /** A reply of another kind than the request (a guard: replies that do not fit are ignored before). */
  | 'MODBUS_BAD_REPLY'
  /** A request our own code built out of range (a configuration error). */
  | 'MODBUS_BAD_REQUEST'
  /** The master was disposed while the request waited or ran. */
  | 'MODBUS_STOPPED'
  /** The configuration is invalid (message says which field). */
  | 'TURNSTILE_BAD_CONFIG'
  /** The watchdog found an unlock relay on that should be off and released it. */
  | 'TURNSTILE_RELAY_WATCHDOG'
  /** The I/O module's communication watchdog could not be armed (refused, or read back with another value); potential mode refuses to open. */
  | 'TURNSTILE_WATCHDOG_UNARMED'
  /** The passage state machine met an event its table does not allow: a bug, logged, never ignored. */
  | 'TURNSTILE_STATE_BUG';

export class TurnstileError extends Error implements CodedError<TurnstileErrorCode> {
  override readonly name = 'TurnstileError';
  constructor(
    readonly code: TurnstileErrorCode,
    message: string,
    readonly detail?: { readonly exception?: number; readonly functionCode?: number; readonly attempts?: number },
  ) {
    super(message);
  }
}

export function exceptionError(functionCode: number, exception: number): TurnstileError {
  const name = EXCEPTION_NAMES[exception] ?? 'UNKNOWN_EXCEPTION';
  return new TurnstileError('MODBUS_EXCEPTION', `function 0x${functionCode.toString(16).padStart(2, '0')} answered exception ${exception} ${name}`, { exception, functionCode });
}
