import { describe, expect, it } from 'vitest';
import { Debouncer } from './debounce.ts';

describe('Debouncer', () => {
  it('drops a repeat within the window and slides the window with each read', () => {
    const d = new Debouncer(100);
    expect(d.isDuplicate('a', 0)).toBe(false);
    expect(d.isDuplicate('a', 65)).toBe(true);
    expect(d.isDuplicate('a', 130)).toBe(true);
    expect(d.isDuplicate('b', 131)).toBe(false);
    expect(d.isDuplicate('a', 231)).toBe(false);
  });

  it('forgets old keys without forgetting recent ones', () => {
    const d = new Debouncer(100);
    for (let i = 0; i < 200; i++) d.isDuplicate(`k${i}`, i * 1000);
    expect(d.isDuplicate('k199', 199_050)).toBe(true);
  });
});
