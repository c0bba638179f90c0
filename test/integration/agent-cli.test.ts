import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/** The real command: bin/resabox-agent.js (tsx shim) -> agent/main.ts, in a child process. */
const bin = new URL('../../bin/resabox-agent.js', import.meta.url).pathname;
const example = new URL('../../examples/box.example.yaml', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'agent-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/*
 * Each call starts node + tsx, which took up to 24 s at a load average of 25 on two cores.
 * Each start has its own limit, and each test a limit that covers its starts.
 */
const START_LIMIT_MS = 60_000;
const agent = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: START_LIMIT_MS });

describe('resabox-agent command line', { timeout: 2 * START_LIMIT_MS + 10_000 }, () => {
  it('--check accepts the example configuration with exit code 0', () => {
    const r = agent('--config', example, '--check');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('valid (box club-lyon-01, 8 devices, 3 lanes)');
  });

  it('--check prints each error with its path and exits 2', () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, readFileSync(example, 'utf8').replace('baudRate: 9600, rs485: true', 'baudRate: 0, rs485: true').replace('address: 3', 'address: 2'));
    const r = agent('--config', bad, '--check');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('CONFIG_INVALID at buses[0].transport.baudRate: expected a number >= 300, got 0');
    expect(r.stderr).toContain(`${bad}: 1 error(s)`);
  });

  it('--help exits 0', () => {
    expect(agent('--help')).toMatchObject({ status: 0, stdout: expect.stringContaining('--config FILE --check') });
  });

  it('a bad command line exits 64', () => {
    expect(agent('--frobnicate').status).toBe(64);
    expect(agent('--check').status).toBe(64);
  });
});
