import { runArea, processIo, type CliIo, type SupportArea } from './command.ts';
import { alertsArea, boxesArea, laneArea, logsArea } from './box-areas.ts';
import { commandsArea } from './commands-area.ts';
import { configArea } from './config-area.ts';
import { boxDoctor, boxTimeline, memberArea, ticketArea } from './diagnosis-areas.ts';
import { rolloutArea } from './rollout-area.ts';

const boxes: SupportArea = { ...boxesArea, commands: [...boxesArea.commands, boxDoctor, boxTimeline] };

/** The support areas of `resabox`, talking to the fleet API (docs/cli.md); `box` is `boxes` under the name support types. */
export const SUPPORT_AREAS: readonly SupportArea[] = [boxes, { ...boxes, name: 'box', summary: 'one box: show, doctor, timeline (same commands as boxes)' }, alertsArea, laneArea, logsArea, commandsArea, rolloutArea, configArea, memberArea, ticketArea];

export function supportRunner(area: SupportArea, io: CliIo = processIo): (args: string[]) => Promise<number> {
  return (args) => runArea(area, args, io);
}

export { runArea, type CliIo };
