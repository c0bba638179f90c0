import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { REPO_ROOT } from '../../cli/bundle/archive.ts';
import { checkPeers, installCommand, onPath, plan } from '../peers/check-peers.ts';
import { SYSTEM_PEERS, type SystemPeer } from '../peers/system-peers.ts';

/**
 * `npm test` checks its system peers before anything else (test/peers). The real command
 * runs with a PATH that holds only node and sh: socat and mbpoll are then missing, and it
 * must stop at once with the one message. The install branch runs against a fake apt-get.
 */
const dirs: string[] = [];
const tempDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'resabox-peers-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const peer = (debian: string, command: string): SystemPeer => ({ debian, usedFor: `the ${debian} suites`, probe: { onPath: command } });
const root = process.getuid?.() === 0;

describe('npm test system peers', () => {
  it('plans: nothing to do, install as root with apt, otherwise one message with the exact command', () => {
    const a = peer('socat', 'socat');
    const b = peer('mbpoll', 'mbpoll');
    expect(plan([], { root: false, aptGet: false })).toEqual({ kind: 'ready' });
    expect(plan([a, b], { root: true, aptGet: true })).toEqual({ kind: 'install', peers: [a, b] });
    expect(plan([a, b], { root: false, aptGet: true })).toEqual({
      kind: 'stop',
      message: 'npm test needs system packages that are missing: socat (the socat suites), mbpoll (the mbpoll suites).\nInstall them, then run npm test again:\n  sudo apt-get update && sudo apt-get install -y --no-install-recommends socat mbpoll',
    });
    expect(plan([a], { root: true, aptGet: false })).toMatchObject({ kind: 'stop', message: expect.stringContaining('\n  apt-get update && apt-get install -y --no-install-recommends socat') });
  });

  it('every peer names its Debian package and how the tests reach it', () => {
    for (const p of SYSTEM_PEERS) {
      expect(p.debian).toMatch(/^[a-z0-9][a-z0-9.+-]+$/);
      expect(Object.keys(p.probe)).toHaveLength(1);
    }
  });

  it('npm test with a PATH that lacks the peers stops before type-checking, with the one message', () => {
    const bin = tempDir();
    symlinkSync(process.execPath, join(bin, 'node'));
    symlinkSync('/bin/sh', join(bin, 'sh'));
    const npmCli = realpathSync(onPath('npm', process.env.PATH) ?? 'npm');
    const r = spawnSync(process.execPath, [npmCli, 'test'], { cwd: REPO_ROOT, env: { PATH: bin, HOME: process.env.HOME ?? '/root' }, encoding: 'utf8', timeout: 60_000 });
    const missing = SYSTEM_PEERS.filter((p) => 'onPath' in p.probe);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(`npm test needs system packages that are missing: ${missing.map((p) => `${p.debian} (${p.usedFor})`).join(', ')}.`);
    expect(r.stderr).toContain(`  ${installCommand(missing, root)}`);
    // Stopped at the check: neither tsc nor eslint nor vitest ran.
    expect(`${r.stdout}${r.stderr}`).not.toMatch(/tsc --noEmit|eslint \.|vitest run/);
  });

  it('as root with apt-get, installs what is missing, runs its after-install step, and checks again', () => {
    const bin = tempDir();
    const log = join(bin, 'apt.log');
    // A fake apt-get that "installs" a package by putting its command on PATH.
    writeFileSync(join(bin, 'apt-get'), `#!/bin/sh\necho "$DEBIAN_FRONTEND apt-get $*" >> ${log}\nif [ "$1" = install ]; then for p in "$@"; do case "$p" in -*|install) ;; *) printf '#!/bin/sh\\n' > ${bin}/fake-$p; chmod +x ${bin}/fake-$p;; esac; done; fi\n`);
    chmodSync(join(bin, 'apt-get'), 0o755);
    const peers: SystemPeer[] = [
      { ...peer('alpha', 'fake-alpha'), afterInstall: ['/bin/sh', '-c', `echo after >> ${log}`] },
      peer('beta', 'fake-beta'),
    ];
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      expect(checkPeers({ PATH: `${bin}:/bin:/usr/bin` }, true, peers)).toBe(0);
    } finally {
      out.mockRestore();
    }
    expect(existsSync(join(bin, 'fake-alpha')) && existsSync(join(bin, 'fake-beta'))).toBe(true);
    expect(spawnSync('cat', [log], { encoding: 'utf8' }).stdout.trim().split('\n')).toEqual([
      'noninteractive apt-get update -q',
      'noninteractive apt-get install -y -q --no-install-recommends alpha beta',
      'after',
    ]);
  });

  it('as root with an apt-get that fails, stops with the command to run by hand', () => {
    const bin = tempDir();
    writeFileSync(join(bin, 'apt-get'), '#!/bin/sh\nexit 100\n');
    chmodSync(join(bin, 'apt-get'), 0o755);
    const err = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      expect(checkPeers({ PATH: bin }, true, [peer('gamma', 'fake-gamma')])).toBe(1);
      expect(err).toHaveBeenCalledWith('npm test: apt-get update failed (exit 100). Install by hand:\n  apt-get update && apt-get install -y --no-install-recommends gamma');
    } finally {
      err.mockRestore();
      out.mockRestore();
    }
  });
});
