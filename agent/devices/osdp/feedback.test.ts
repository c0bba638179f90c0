import { describe, expect, it } from 'vitest';
import { LED_COLOUR } from '../../../protocol/osdp/index.ts';
import { feedbackCommands } from './feedback.ts';

describe('reader feedback on OSDP', () => {
  it('granted: steady green, one beep, optional text', () => {
    const [led, buz, text] = feedbackCommands({ kind: 'granted', text: 'Hi' });
    expect(led).toMatchObject({ kind: 'led', records: [{ temporary: { control: 2, onColour: LED_COLOUR.GREEN, offColour: LED_COLOUR.GREEN }, permanent: { control: 0 } }] });
    expect(buz).toMatchObject({ kind: 'buz', tone: 2, count: 1 });
    expect(text).toMatchObject({ kind: 'text', text: 'Hi' });
  });

  it('denied flashes red with three beeps; attention flashes amber; no text without text', () => {
    expect(feedbackCommands({ kind: 'denied' })).toMatchObject([{ records: [{ temporary: { onColour: LED_COLOUR.RED, offColour: LED_COLOUR.BLACK } }] }, { count: 3 }]);
    expect(feedbackCommands({ kind: 'attention' })).toMatchObject([{ records: [{ temporary: { onColour: LED_COLOUR.AMBER } }] }, { count: 2 }]);
  });

  it('idle cancels the temporary state, sets permanent red and silences the buzzer', () => {
    expect(feedbackCommands({ kind: 'idle' })).toMatchObject([{ records: [{ temporary: { control: 1 }, permanent: { control: 1, onColour: LED_COLOUR.RED } }] }, { kind: 'buz', tone: 1 }]);
  });
});
