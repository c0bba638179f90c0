import { readFile } from 'node:fs/promises';
import { UplinkError } from './errors.ts';

export interface BoxCredentials {
  readonly username: string;
  readonly password: string;
}

/**
 * Reads the box's MQTT credentials: JSON `{ "username"?: boxId, "password": secret }`
 * (what enrollment delivers), kept out of the configuration file. The username, when
 * present, must be the box id: the broker accepts no other.
 */
export async function loadCredentials(path: string, boxId: string): Promise<BoxCredentials> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    throw new UplinkError('UPLINK_CREDENTIALS_INVALID', `fleet credentials ${path}: ${(e as Error).message}`, { cause: e });
  }
  const c = parsed as { username?: unknown; password?: unknown };
  if (typeof c !== 'object' || c === null || typeof c.password !== 'string' || c.password.length === 0) {
    throw new UplinkError('UPLINK_CREDENTIALS_INVALID', `fleet credentials ${path}: expected a JSON object with a non-empty "password"`);
  }
  if (c.username !== undefined && c.username !== boxId) {
    throw new UplinkError('UPLINK_CREDENTIALS_INVALID', `fleet credentials ${path}: username ${JSON.stringify(c.username)} is not the box id ${boxId}`);
  }
  return { username: boxId, password: c.password };
}
