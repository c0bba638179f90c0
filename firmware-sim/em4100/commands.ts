import { normaliseBadge } from '../../protocol/access/credential.ts';
import { err, ok, type Result } from '../../protocol/core/result.ts';
import type { Em4100Card, Em4100Corruption, Em4100ReaderSim } from './em4100-sim.ts';

/** One line of the simulator's script language (stdin of main.ts, or a scenario file). */
export type Em4100Command =
  | { kind: 'present'; card: Em4100Card }
  | { kind: 'remove' }
  | { kind: 'silent'; on: boolean }
  | { kind: 'corrupt'; count: number; how: Em4100Corruption }
  | { kind: 'unplug' };

/**
 * Parses `present 0100BC614E` (10 hex: version + tag) or `present <any badge notation>`
 * (version 0), `remove`, `silent on|off`, `corrupt <n> [checksum|noise|truncate]`, `unplug`.
 */
export function parseEm4100Command(line: string): Result<Em4100Command, string> {
  const [word, ...args] = line.trim().split(/\s+/);
  switch (word) {
    case 'present': {
      const text = args.join('');
      if (/^[0-9a-f]{10}$/i.test(text) && /[a-f]/i.test(text)) return ok({ kind: 'present', card: { version: parseInt(text.slice(0, 2), 16), tag: parseInt(text.slice(2), 16) } });
      const badge = normaliseBadge(text);
      if (!badge.ok) return err(`present: ${badge.error.message}`);
      return ok({ kind: 'present', card: { version: 0, tag: Number(badge.value.number) } });
    }
    case 'remove':
      return ok({ kind: 'remove' });
    case 'unplug':
      return ok({ kind: 'unplug' });
    case 'silent':
      if (args[0] !== 'on' && args[0] !== 'off') return err('silent: expected "on" or "off"');
      return ok({ kind: 'silent', on: args[0] === 'on' });
    case 'corrupt': {
      const count = Number(args[0]);
      const how = (args[1] ?? 'checksum') as Em4100Corruption;
      if (!Number.isInteger(count) || count < 1) return err('corrupt: expected a frame count');
      if (!['checksum', 'noise', 'truncate'].includes(how)) return err('corrupt: expected checksum, noise or truncate');
      return ok({ kind: 'corrupt', count, how });
    }
    default:
      return err(`unknown command "${word ?? ''}" (present, remove, silent, corrupt, unplug)`);
  }
}

export async function applyEm4100Command(sim: Em4100ReaderSim, command: Em4100Command): Promise<void> {
  switch (command.kind) {
    case 'present':
      return sim.present(command.card);
    case 'remove':
      return sim.remove();
    case 'silent':
      return sim.goSilent(command.on);
    case 'corrupt':
      return sim.corruptNext(command.count, command.how);
    case 'unplug':
      return sim.unplug();
  }
}
