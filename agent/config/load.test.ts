/* eslint-disable @typescript-eslint/no-explicit-any -- these tests write deliberately invalid values anywhere in a config */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { formatConfigError, type ConfigError } from './errors.ts';
import { loadConfigFile, parseConfigText, validateConfig } from './load.ts';
import type { BoxConfig } from './schema.ts';

const examplePath = new URL('../../examples/box.example.yaml', import.meta.url).pathname;
const example = (): BoxConfig => parseDocument(readFileSync(examplePath, 'utf8')).toJS() as BoxConfig;
const dir = mkdtempSync(join(tmpdir(), 'config-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function errorsOf(mutate: (c: Record<string, any>) => void): ConfigError[] {
  const c = structuredClone(example()) as Record<string, any>;
  mutate(c);
  const r = validateConfig(c);
  return r.ok ? [] : r.error;
}

describe('box configuration', () => {
  it('accepts the shipped example (entry, exit and accessible lanes)', async () => {
    const r = await loadConfigFile(examplePath);
    expect(r.ok && r.value.config.lanes.map((l) => l.kind)).toEqual(['entry', 'exit', 'accessible']);
    expect(r.ok && r.value.dataDir).toBe('/var/lib/resabox');
  });

  it('is documented verbatim in docs/agent.md', () => {
    const docs = readFileSync(new URL('../../docs/agent.md', import.meta.url), 'utf8');
    expect(docs).toContain(`\`\`\`yaml\n${readFileSync(examplePath, 'utf8')}\`\`\``);
  });

  it('names the field, the expectation and the value of a range error', () => {
    expect(errorsOf((c) => (c.buses[0].transport.baudRate = 0))).toEqual([
      { code: 'CONFIG_INVALID', path: 'buses[0].transport.baudRate', expected: 'a number >= 300', got: '0' },
    ]);
  });

  it('reports only the branch a union member names, or an unknown kind', () => {
    expect(errorsOf((c) => (c.devices[1].kind = 'em4200'))).toEqual([
      { code: 'CONFIG_INVALID', path: 'devices[1].kind', expected: 'one of "osdp", "em4100", "hid-wedge", "turnstile", "printer"', got: '"em4200"' },
    ]);
    expect(errorsOf((c) => (c.devices[5].pulseMs = 50)).map(formatConfigError)).toEqual(['CONFIG_INVALID at devices[5].pulseMs: expected a number >= 100, got 50']);
    expect(errorsOf((c) => (c.buses[1].transport.parity = 'evn'))).toEqual([
      { code: 'CONFIG_INVALID', path: 'buses[1].transport.parity', expected: 'one of "none", "even", "odd"', got: '"evn"' },
    ]);
  });

  it('reports unknown and missing fields, every error of the file at once', () => {
    const errors = errorsOf((c) => {
      c.devices[5].pulsems = 300;
      delete c.fleet.url;
      c.lanes[0].zone = 'Club Zone';
    });
    expect(errors.map((e) => e.path).sort()).toEqual(['devices[5].pulsems', 'fleet.url', 'lanes[0].zone']);
    expect(errors.find((e) => e.path === 'fleet.url')).toMatchObject({ expected: 'a value (required field)', got: 'nothing' });
    expect(errors.find((e) => e.path === 'lanes[0].zone')?.expected).toBe('lower-case id: a-z 0-9 . _ -');
  });

  it('checks references, duplicates and single ownership', () => {
    const codes = (m: (c: Record<string, any>) => void) => errorsOf(m).map((e) => `${e.code} ${e.path}`);
    expect(codes((c) => (c.devices[1].id = 'reader-entry'))).toContain('CONFIG_DUPLICATE_ID devices[1].id');
    expect(codes((c) => (c.lanes[1].readers[0].reader = 'tripod-exit'))).toEqual(['CONFIG_BAD_REFERENCE lanes[1].readers[0].reader']);
    expect(codes((c) => (c.lanes[2].turnstile = 'tripod-exit'))).toEqual(['CONFIG_CONFLICT lanes[2].turnstile']);
    expect(codes((c) => (c.devices[1] = { id: 'reader-exit', kind: 'osdp', bus: 'osdp-bus', address: 1 }))).toEqual(['CONFIG_CONFLICT devices[1].address']);
    expect(codes((c) => (c.devices[6].bus = 'modbus-exit'))).toContain('CONFIG_CONFLICT devices[6].bus');
    expect(
      codes((c) => {
        c.devices[5].pulseMs = 1500;
        c.devices[5].passageWindowMs = 1500;
      }),
    ).toEqual(['CONFIG_INVALID devices[5].pulseMs']);
    expect(codes((c) => (c.devices[5].inputs.ready = 0))).toEqual(['CONFIG_CONFLICT devices[5].inputs.ready']);
    expect(codes((c) => (c.devices[0].bus = 'modbus-entry'))).toContain('CONFIG_CONFLICT devices[4].bus');
    expect(codes((c) => (c.devices[0].bus = 'nope'))).toEqual(['CONFIG_BAD_REFERENCE devices[0].bus']);
    expect(codes((c) => (c.lanes[0].readers[0].direction = 'out'))).toEqual(['CONFIG_INVALID lanes[0].readers[0].direction']);
    expect(codes((c) => (c.devices[1].transport = c.buses[0].transport))).toEqual(['CONFIG_CONFLICT devices[1].transport']);
    expect(codes((c) => (c.printer = 'reader-exit'))).toEqual(['CONFIG_BAD_REFERENCE printer']);
  });

  it('reads strict JSON files and reports syntax and read errors with a code', async () => {
    const json = join(dir, 'box.json');
    writeFileSync(json, JSON.stringify({ ...example(), dataDir: 'data' }));
    const r = await loadConfigFile(json);
    expect(r.ok && r.value.dataDir).toBe(join(dir, 'data'));
    expect(parseConfigText('{ "a": 1, }', true)).toMatchObject({ ok: false, error: [{ code: 'CONFIG_SYNTAX' }] });
    expect(parseConfigText('a: 1\na: 2\n', false)).toMatchObject({ ok: false, error: [{ code: 'CONFIG_SYNTAX', path: '(file)' }] });
    expect(await loadConfigFile(join(dir, 'missing.yaml'))).toMatchObject({ ok: false, error: [{ code: 'CONFIG_UNREADABLE' }] });
  });
});
