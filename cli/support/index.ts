import { runArea, processIo, type CliIo, type SupportArea } from './command.ts';
import { alertsArea, boxesArea, laneArea, logsArea } from './box-areas.ts';
import { commandsArea } from './commands-area.ts';
import { configArea } from './config-area.ts';
import { rolloutArea } from './rollout-area.ts';

/** The support areas of `resabox`, talking to the fleet API (docs/cli.md). */
export const SUPPORT_AREAS: readonly SupportArea[] = [boxesArea, alertsArea, laneArea, logsArea, commandsArea, rolloutArea, configArea];

export function supportRunner(area: SupportArea, io: CliIo = processIo): (args: string[]) => Promise<number> {
  return (args) => runArea(area, args, io);
}

export { runArea, type CliIo };
