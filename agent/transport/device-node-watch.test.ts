import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { watchDeviceNode } from './device-node-watch.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function node(): string {
  const dir = mkdtempSync(join(tmpdir(), 'resabox-node-watch-'));
  dirs.push(dir);
  const path = join(dir, 'ttyUSB0');
  writeFileSync(path, '');
  return path;
}

const until = async (cond: () => boolean) => {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
};

describe('watchDeviceNode', () => {
  it('reports a node that disappears, once', async () => {
    const path = node();
    const calls: string[] = [];
    await watchDeviceNode(path, 10, (why) => calls.push(why));
    rmSync(path);
    await until(() => calls.length > 0);
    await new Promise((r) => setTimeout(r, 50));
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatch(/is gone \(ENOENT\)/);
  });

  it('reports a node replaced by another device under the same name', async () => {
    const path = node();
    const calls: string[] = [];
    await watchDeviceNode(path, 10, (why) => calls.push(why));
    // Both exist at once, so the replacement cannot reuse the inode number.
    writeFileSync(`${path}.new`, '');
    renameSync(`${path}.new`, path);
    await until(() => calls.length > 0);
    expect(calls[0]).toMatch(/another device/);
  });

  it('stays quiet while the node is there, and after stop()', async () => {
    const path = node();
    const calls: string[] = [];
    const stop = await watchDeviceNode(path, 10, (why) => calls.push(why));
    await new Promise((r) => setTimeout(r, 60));
    stop();
    rmSync(path);
    await new Promise((r) => setTimeout(r, 60));
    expect(calls).toEqual([]);
  });
});
