import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeRepository, type TestRepository } from '../../test/support/update-fixtures.ts';
import { UpdateFailure } from './errors.ts';
import { installTrustAnchor, trustAnchorPath } from './trust-anchor.ts';

let repo: TestRepository;
let root: unknown;
const dirs: string[] = [];
const boxRoot = async () => {
  const d = await mkdtemp(join(tmpdir(), 'resabox-anchor-'));
  dirs.push(d);
  return d;
};

beforeAll(async () => {
  repo = await makeRepository();
  root = JSON.parse(await readFile(repo.anchor, 'utf8'));
});
afterAll(async () => {
  for (const d of [...dirs, repo.base]) await rm(d, { recursive: true, force: true });
});

describe('trust anchor received at enrollment', () => {
  it('stores a self-signed TUF root where the updater reads it', async () => {
    const box = await boxRoot();
    expect(await installTrustAnchor(box, root)).toBe(true);
    const stored = JSON.parse(await readFile(trustAnchorPath(box), 'utf8')) as { signed: { _type: string; version: number } };
    expect(stored.signed).toMatchObject({ _type: 'root', version: 1 });
  });

  it('refuses a root whose signature does not match, or that is no root, with a coded error', async () => {
    const box = await boxRoot();
    const tampered = structuredClone(root) as { signed: { expires: string } };
    tampered.signed.expires = '2099-01-01T00:00:00Z';
    for (const bad of [tampered, { signed: { _type: 'targets' }, signatures: [] }, 'root']) {
      const e = await installTrustAnchor(box, bad).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(UpdateFailure);
      expect((e as UpdateFailure).error.code).toBe('UPDATE_TUF_INVALID');
    }
    await expect(readFile(trustAnchorPath(box))).rejects.toThrow();
  });

  it('leaves a box that already trusts a root alone: later roots come through TUF rotation', async () => {
    const box = await boxRoot();
    await mkdir(join(box, 'update', 'tuf'), { recursive: true });
    await writeFile(join(box, 'update', 'tuf', 'root.json'), '{"trusted":"v7"}');
    expect(await installTrustAnchor(box, root)).toBe(false);
    await expect(readFile(trustAnchorPath(box))).rejects.toThrow();
  });
});
