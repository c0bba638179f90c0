/**
 * A stand-in agent release for launcher/update tests, run by the real launcher as
 * `<release>/agent.mjs`. It runs the real update machine (Updater) against the test's
 * repository server and talks to the test through files under `<root>/test/`:
 *   job.json         the retained `update/job` (the test writes it)
 *   published.jsonl  every `update/status` and `events` message it sends
 *   badges.log       "<version> <epoch ms>" per served badge, when serving badges
 * Its behaviour comes from `<release>/behaviour.json` (crash, failing self-test, ...)
 * RESABOX_TEST_KILL_AT (SIGKILL itself once on entering a state, or every time with `state!`)
 * and RESABOX_TEST_MAX_STATE_ENTRIES (the machine's state-loop bound).
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { UpdateJobMessage } from '../../protocol/mqtt/index.ts';
import { systemClock } from '../../platform/clock.ts';
import { silentLogger } from '../../platform/log.ts';
import { reportHealth } from '../../agent/launcher/health.ts';
import { RESTART_EXIT_CODE } from '../../agent/launcher/files.ts';
import { Updater } from '../../agent/update/updater.ts';

interface Behaviour {
  crash?: boolean;
  selfTestOk?: boolean;
  noHealth?: boolean;
  serveBadges?: boolean;
}

const root = process.env.RESABOX_ROOT as string;
const releaseDir = process.env.RESABOX_RELEASE_DIR as string;
const version = process.env.RESABOX_RELEASE_VERSION as string;
const testDir = join(root, 'test');
const behaviour = JSON.parse(readFileSync(join(releaseDir, 'behaviour.json'), 'utf8')) as Behaviour;
const killAt = process.env.RESABOX_TEST_KILL_AT ?? '';

function publish(topic: string, msg: unknown): void {
  appendFileSync(join(testDir, 'published.jsonl'), `${JSON.stringify({ topic, version, pid: process.pid, msg })}\n`);
}

/** `state` or `state@progress`: dies once, the first time that point is reached; `state!`: every time. */
function maybeDie(state: string, progress: number | null): void {
  if (!killAt) return;
  const always = killAt.endsWith('!');
  const [want, at] = killAt.replace(/!$/, '').split('@');
  if (want !== state || (at !== undefined && (progress === null || progress < Number(at)))) return;
  const marker = join(testDir, `killed-${killAt}`);
  if (existsSync(marker) && !always) return;
  appendFileSync(marker, `${process.pid}\n`);
  process.kill(process.pid, 'SIGKILL');
}

if (behaviour.crash) {
  setTimeout(() => process.exit(3), 50);
} else {
  if (!behaviour.noHealth) await reportHealth(root, version, { ok: behaviour.selfTestOk ?? true, checks: [{ name: 'journal-writable', ok: true }, { name: 'devices', ok: behaviour.selfTestOk ?? true, detail: behaviour.selfTestOk === false ? 'reader lane-1 not answering' : undefined }] });
  if (behaviour.serveBadges) setInterval(() => appendFileSync(join(testDir, 'badges.log'), `${version} ${Date.now()}\n`), 5);
  const updater = new Updater({
    root,
    box: { hardware: 'rbx-a1', runningVersion: version },
    trustAnchor: join(testDir, 'anchor.root.json'),
    clock: systemClock,
    log: silentLogger,
    publishStatus: (s) => {
      publish('update/status', s);
      maybeDie(s.state === 'restarting' && version === s.toVersion ? 'restarting-new' : s.state, s.progress);
    },
    publishEvent: (e) => publish('events', e),
    requestRestart: () => process.exit(RESTART_EXIT_CODE),
    lastPassAt: () => null,
    pollMs: 100,
    ...(process.env.RESABOX_TEST_MAX_STATE_ENTRIES ? { maxStateEntries: Number(process.env.RESABOX_TEST_MAX_STATE_ENTRIES) } : {}),
  });
  await updater.start();
  let seen = '';
  setInterval(() => {
    const path = join(testDir, 'job.json');
    if (!existsSync(path)) return;
    const text = readFileSync(path, 'utf8');
    if (text === seen) return;
    seen = text;
    void updater.offerJob(JSON.parse(text) as UpdateJobMessage);
  }, 50);
  process.once('SIGTERM', () => process.exit(0));
}
