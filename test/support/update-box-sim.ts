import { createHash, randomBytes } from 'node:crypto';
import type { MqttClient } from 'mqtt';
import { encode, topicFor, type UpdateJobMessage, type UpdateState } from '../../protocol/mqtt/index.ts';
import { connectBox } from './fleet-harness.ts';

/** How a simulated box's install ends. */
export type UpdateScript = 'commit' | 'fail' | 'rollback';

export interface ReceivedJob {
  /** Order of arrival across every simulated box (one shared counter). */
  seq: number;
  job: UpdateJobMessage;
}

export interface SimulatedUpdateBox {
  readonly boxId: string;
  readonly jobs: ReceivedJob[];
  /** The version it runs: changes on a commit. */
  version: string;
  script: UpdateScript;
  close(): Promise<void>;
}

let arrival = 0;

/**
 * A box's update side as the fleet sees it, over a real MQTT connection: it takes the
 * retained `update/job`, downloads the target from the fleet's repository in two Range
 * requests (checking the sha256 it is given), and reports the states of the box update
 * machine on `update/status`, ending as scripted: committed, failed (at install), or
 * rolled back after the trial (with an `update.rolled-back` event). An abort job before
 * the install answers `aborted`.
 */
export async function startUpdateBox(o: { mqttUrl: string; boxId: string; password: string; version: string; script: UpdateScript; expectSha256: () => string }): Promise<SimulatedUpdateBox> {
  const client: MqttClient = await connectBox(o.mqttUrl, o.boxId, o.password);
  const sim: SimulatedUpdateBox = {
    boxId: o.boxId,
    jobs: [],
    version: o.version,
    script: o.script,
    close: async () => {
      await client.endAsync();
    },
  };
  let aborted = new Set<string>();
  let queue: Promise<void> = Promise.resolve();

  const status = async (job: UpdateJobMessage, state: UpdateState, error: { code: string; message: string } | null = null, progress: number | null = null) => {
    const m = { v: 1 as const, jobId: job.jobId, rolloutId: job.rolloutId, state, fromVersion: sim.version, toVersion: job.version, progress, error, ts: Date.now() };
    await client.publishAsync(topicFor('updateStatus', o.boxId), Buffer.from(encode('updateStatus', m)), { qos: 1 });
  };

  const download = async (job: UpdateJobMessage): Promise<boolean> => {
    const url = `${job.repositoryUrl}/targets/${job.targetName}`;
    const head = await fetch(url, { headers: { range: 'bytes=0-1023' } });
    if (head.status !== 206) return false;
    const total = Number((head.headers.get('content-range') ?? '').split('/')[1]);
    const first = Buffer.from(await head.arrayBuffer());
    const rest = await fetch(url, { headers: { range: `bytes=${first.length}-` } });
    const second = rest.status === 206 ? Buffer.from(await rest.arrayBuffer()) : Buffer.alloc(0);
    const all = Buffer.concat([first, second]);
    return all.length === total && createHash('sha256').update(all).digest('hex') === o.expectSha256();
  };

  const install = async (job: UpdateJobMessage) => {
    await status(job, 'queued');
    await status(job, 'downloading', null, 0);
    if (!(await download(job))) return status(job, 'failed', { code: 'UPDATE_DOWNLOAD_FAILED', message: 'download or hash check failed' });
    await status(job, 'verifying');
    await status(job, 'staged');
    if (job.downloadOnly) return;
    if (aborted.has(job.jobId)) return status(job, 'aborted');
    await status(job, 'installing');
    if (sim.script === 'fail') return status(job, 'failed', { code: 'UPDATE_INSTALL_FAILED', message: 'simulated install failure' });
    await status(job, 'restarting');
    await status(job, 'trial');
    if (sim.script === 'rollback') {
      await status(job, 'rolled-back', { code: 'UPDATE_TRIAL_UNHEALTHY', message: 'the turnstile driver did not come up on the trial boot' });
      const event = { v: 1 as const, eventId: `ev-${randomBytes(6).toString('hex')}`, ts: Date.now(), kind: 'update.rolled-back', severity: 'warning' as const, message: `rolled back from ${job.version} to ${sim.version}`, data: { jobId: job.jobId, code: 'UPDATE_TRIAL_UNHEALTHY' } };
      return void (await client.publishAsync(topicFor('events', o.boxId), Buffer.from(encode('events', event)), { qos: 1 }));
    }
    const from = sim.version;
    sim.version = job.version;
    await client.publishAsync(topicFor('updateStatus', o.boxId), Buffer.from(encode('updateStatus', { v: 1, jobId: job.jobId, rolloutId: job.rolloutId, state: 'committed', fromVersion: from, toVersion: job.version, progress: null, error: null, ts: Date.now() })), { qos: 1 });
  };

  client.on('message', (_topic, payload) => {
    if (payload.length === 0) return;
    const job = JSON.parse(payload.toString('utf8')) as UpdateJobMessage;
    if (sim.jobs.some((j) => j.job.jobId === job.jobId && j.job.action === job.action)) return;
    sim.jobs.push({ seq: ++arrival, job });
    if (job.action === 'abort') {
      aborted = new Set([...aborted, job.jobId]);
      return;
    }
    queue = queue.then(() => install(job)).catch(() => undefined);
  });
  await client.subscribeAsync(topicFor('updateJob', o.boxId), { qos: 1 });
  return sim;
}
