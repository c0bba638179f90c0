import type { SimulatedOsdpBus } from './bus.ts';

/**
 * One line of the simulated readers' script language (stdin of main.ts, or a test):
 *   card <addr> <facility> <card> [26|34]   present a Wiegand card
 *   pin <addr> <keys>                       type keys, e.g. 1234#
 *   tamper <addr> on|off                    open/close the tamper switch
 *   silent <addr> on|off                    stop/resume answering
 *   corrupt <addr> <n>                      flip a byte in the next n replies
 *   busy <addr> <n>                         answer BUSY to the next n commands
 *   drop-sc <addr>                          forget the secure channel session
 *   state <addr>                            LED, buzzer, text and channel state as JSON
 * Returns the text to print.
 */
export function runScriptLine(bus: SimulatedOsdpBus, line: string): string {
  const [verb, addrText, ...args] = line.trim().split(/\s+/);
  if (!verb) return '';
  const address = Number(addrText);
  if (!Number.isInteger(address) || !bus.readers.some((r) => r.address === address)) return `error: no reader at address ${addrText ?? '(none)'}`;
  const pd = bus.reader(address);
  const n = Number(args[0] ?? 1);
  switch (verb) {
    case 'card':
      pd.presentCard(Number(args[0]), Number(args[1]), args[2] === '34' ? 'wiegand34' : 'wiegand26');
      return 'ok';
    case 'pin':
      pd.typePin(args[0] ?? '');
      return 'ok';
    case 'tamper':
      pd.setTamper(args[0] !== 'off');
      return 'ok';
    case 'silent':
      pd.goSilent(args[0] !== 'off');
      return 'ok';
    case 'corrupt':
      pd.corruptNextReplies(n);
      return 'ok';
    case 'busy':
      pd.answerBusy(n);
      return 'ok';
    case 'drop-sc':
      pd.dropSecureChannel();
      return 'ok';
    case 'state':
      return JSON.stringify({ address, secureChannel: pd.secureChannelActive, installMode: pd.installMode, leds: Object.fromEntries(pd.leds), buzzer: pd.buzzerLog.at(-1) ?? null, text: pd.textLog.at(-1) ?? null });
    default:
      return `error: unknown command ${verb}`;
  }
}
