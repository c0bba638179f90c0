import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { agentNodeArgs } from './launcher.ts';

const run = promisify(execFile);
const MAIN = join(import.meta.dirname, 'main.ts');

/** The launcher's command line, as systemd runs it (here through tsx, from the checkout). */
async function launcher(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', MAIN, ...args], { timeout: 30_000 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe('resabox-launcher command line', () => {
  it('documents the agent memory options in --help', async () => {
    const r = await launcher(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/--agent-heap MB/);
    expect(r.stdout).toMatch(/--agent-optimize\s+let V8 optimize/);
  });

  it('refuses a heap below 64 MB with exit 64 and the help', async () => {
    const root = await mkdtemp(join(tmpdir(), 'launcher-cli-'));
    try {
      const r = await launcher(['--root', root, '--agent-heap', '10']);
      expect(r.code).toBe(64);
      expect(r.stderr).toMatch(/--agent-heap must be a whole number of MB, at least 64, got "10"/);
      expect(r.stderr).toMatch(/Usage:/);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('gives the agent no optimizing compiler unless asked', () => {
    expect(agentNodeArgs()).toEqual(['--max-semi-space-size=1', '--max-old-space-size=256', '--no-opt']);
    expect(agentNodeArgs(512, true)).toEqual(['--max-semi-space-size=1', '--max-old-space-size=512']);
  });
});
