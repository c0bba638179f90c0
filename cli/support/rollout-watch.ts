import type { SupportCommand } from './command.ts';
import { CliFailure, EXIT, type ApiBody } from './fleet-client.ts';

/** `rollout watch` exit codes, by how the rollout ended (docs/cli.md). */
export const WATCH_EXIT = { completed: 0, halted: 4, cancelled: 5, timeout: 6 } as const;

const FINAL: Record<string, number> = { completed: WATCH_EXIT.completed, halted: WATCH_EXIT.halted, cancelled: WATCH_EXIT.cancelled };

function seconds(v: unknown, name: string, fallback: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new CliFailure('CLI_USAGE', `--${name} must be a positive number of seconds, got ${JSON.stringify(v)}`, EXIT.usage);
  return n;
}

const counts = (r: ApiBody) =>
  Object.entries((r.progress?.total ?? {}) as Record<string, number>)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${s} ${n}`)
    .join(', ');

const headline = (r: ApiBody) => `${r.id} "${r.name}" -> ${r.version}: ${r.state}, wave ${r.currentWave}/${r.waveCount}; ${counts(r) || 'no box'}`;
const boxLine = (b: ApiBody) => `  ${String(b.boxId).padEnd(12)} wave ${b.wave}  ${String(b.state).padEnd(11)} ${b.updateState ?? ''}${b.lastError ? `  ${b.lastError.code}: ${b.lastError.message}` : ''}`;

/**
 * `resabox rollout watch ID`: prints the rollout's progress and each box's change as they
 * happen, until the rollout completes (exit 0), halts (4) or is cancelled (5), or
 * --timeout passes (6). With --json, one JSON object per change (the rollout and its boxes).
 */
export const watchCommand: SupportCommand = {
  name: 'watch',
  summary: 'follow a rollout until it completes, halts or is cancelled; the exit code says which',
  args: ['ROLLOUT_ID'],
  options: { interval: { type: 'string' }, timeout: { type: 'string' } },
  optionHelp: ['--interval S      seconds between two looks at the fleet (default 2)', '--timeout S       give up after S seconds (exit 6)', 'exit codes: 0 completed, 4 halted, 5 cancelled, 6 timeout (and 1, 2, 3 as any command)'],
  async run({ client, values, args, io }) {
    const id = encodeURIComponent(args[0] ?? '');
    const intervalMs = seconds(values.interval, 'interval', 2) * 1000;
    const deadline = values.timeout === undefined ? Number.POSITIVE_INFINITY : Date.now() + seconds(values.timeout, 'timeout', 0) * 1000;
    const json = values.json === true;
    const seen = new Map<string, string>();
    let last = '';
    for (;;) {
      const r = await client.get(`/v1/rollouts/${id}`);
      const { boxes } = (await client.get(`/v1/rollouts/${id}/boxes`)) as { boxes: ApiBody[] };
      const changed = boxes.filter((b) => {
        const line = boxLine(b);
        if (seen.get(b.boxId) === line) return false;
        seen.set(b.boxId, line);
        return true;
      });
      const head = headline(r);
      if (head !== last || changed.length > 0) {
        last = head;
        if (json) io.out(JSON.stringify({ rollout: r, boxes: changed }));
        else io.out([head, ...changed.map(boxLine)].join('\n'));
      }
      const exit = FINAL[r.state as string];
      if (exit !== undefined) {
        if (!json) io.out(r.state === 'halted' ? `halted: ${r.haltReason ?? ''}` : `${r.state}: ${r.progress.total.succeeded} of ${boxes.length} boxes run ${r.version}`);
        return exit;
      }
      if (Date.now() + intervalMs > deadline) {
        io.err(`ROLLOUT_WATCH_TIMEOUT: rollout ${r.id} still ${r.state} after --timeout`);
        return WATCH_EXIT.timeout;
      }
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  },
};
