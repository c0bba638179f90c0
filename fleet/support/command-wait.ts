import type { Clock } from '../../platform/clock.ts';
import type { CommandCenter, CommandRequest, ShownCommand } from '../commands/command-center.ts';

/**
 * Sends a command and waits for the box's answer, at most `waitMs` on the clock (the
 * command's expiry is the same, so a box that gets it later refuses it). Resolves with the
 * command as it stands: answered, or still pending when the time ran out.
 */
export async function sendAndWait(
  d: { readonly commands: CommandCenter; readonly clock: Clock },
  boxId: string,
  request: CommandRequest,
  waitMs: number,
  operator: string,
  ticket: string | null,
): Promise<ShownCommand> {
  let id: string | undefined;
  let wake: () => void = () => undefined;
  const answered = new Promise<void>((resolve) => (wake = resolve));
  // Listening before sending: a box on the same machine can answer before send() returns.
  const early = new Set<string>();
  const stop = d.commands.onAnswer((answer) => (id === undefined ? early.add(answer) : answer === id && wake()));
  const timer = d.clock.setTimeout(() => wake(), waitMs);
  try {
    id = (await d.commands.send(boxId, request, waitMs, operator, ticket)).id;
    if (!early.has(id)) await answered;
    return await d.commands.get(id);
  } finally {
    stop();
    d.clock.clearTimeout(timer);
  }
}
