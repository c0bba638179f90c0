import { LED_COLOUR, type OsdpCommand } from '../../../protocol/osdp/index.ts';
import type { ReaderFeedback } from '../reader.ts';

/** Times are in the units of the OSDP commands: 100 ms for LED and buzzer, seconds for TEXT. */
const GRANTED_MS = 30;
const DENIED_MS = 30;
const ATTENTION_MS = 50;

function led(temporary: { onColour: number; offColour: number; onTime: number; offTime: number; timer: number } | 'cancel', permanent?: number): OsdpCommand {
  const t = temporary === 'cancel' ? { control: 1, onColour: 0, offColour: 0, onTime: 0, offTime: 0, timer: 0 } : { control: 2, ...temporary };
  const p = permanent === undefined ? { control: 0, onTime: 0, offTime: 0, onColour: 0, offColour: 0 } : { control: 1, onTime: 1, offTime: 0, onColour: permanent, offColour: permanent };
  return { kind: 'led', records: [{ reader: 0, led: 0, temporary: t, permanent: p }] };
}

function beep(onTime: number, offTime: number, count: number): OsdpCommand {
  return { kind: 'buz', reader: 0, tone: 2, onTime, offTime, count };
}

function text(t: string | undefined): OsdpCommand[] {
  return t ? [{ kind: 'text', reader: 0, command: 3, tempTime: 3, row: 1, column: 1, text: t.slice(0, 32) }] : [];
}

/**
 * What each lane signal looks and sounds like on an OSDP reader: granted = steady green
 * 3 s and one short beep; denied = red flashing 3 s and three beeps; attention = amber
 * flashing 5 s and two beeps; idle = temporary state cancelled, permanent red, buzzer off.
 */
export function feedbackCommands(signal: ReaderFeedback): OsdpCommand[] {
  switch (signal.kind) {
    case 'granted':
      return [led({ onColour: LED_COLOUR.GREEN, offColour: LED_COLOUR.GREEN, onTime: 1, offTime: 0, timer: GRANTED_MS }), beep(1, 0, 1), ...text(signal.text)];
    case 'denied':
      return [led({ onColour: LED_COLOUR.RED, offColour: LED_COLOUR.BLACK, onTime: 2, offTime: 2, timer: DENIED_MS }), beep(2, 1, 3), ...text(signal.text)];
    case 'attention':
      return [led({ onColour: LED_COLOUR.AMBER, offColour: LED_COLOUR.BLACK, onTime: 3, offTime: 3, timer: ATTENTION_MS }), beep(1, 1, 2), ...text(signal.text)];
    case 'idle':
      return [led('cancel', LED_COLOUR.RED), { kind: 'buz', reader: 0, tone: 1, onTime: 0, offTime: 0, count: 0 }];
  }
}
