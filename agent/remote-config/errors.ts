/**
 * The remote configuration's error catalog (config/reported `error.code`). Codes are
 * stable: the fleet and the dashboard show them, docs/updates.md lists them.
 */
export const REMOTE_CONFIG_ERRORS = {
  CONFIG_REMOTE_INVALID: 'the configuration fails the checks of resabox-agent --check',
  CONFIG_REMOTE_LOCKED: 'the configuration changes what only the box itself may change (its id, data folder or fleet link)',
  CONFIG_REMOTE_DEVICE_DOWN: 'a changed device did not come up within the trial period: the previous configuration runs again',
  CONFIG_REMOTE_START_FAILED: 'the agent could not start with the configuration: the previous configuration runs again',
} as const;

export type RemoteConfigErrorCode = keyof typeof REMOTE_CONFIG_ERRORS;

export interface RemoteConfigError {
  code: RemoteConfigErrorCode;
  message: string;
}

export function remoteConfigError(code: RemoteConfigErrorCode, detail?: string): RemoteConfigError {
  const base = REMOTE_CONFIG_ERRORS[code];
  return { code, message: (detail ? `${base}: ${detail}` : base).slice(0, 500) };
}
