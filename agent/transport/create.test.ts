import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createTransport, TransportConfigError } from './create.ts';
import { HidTransport } from './hid.ts';
import { MockTransport } from './mock.ts';
import { SerialTransport } from './serial.ts';
import { TcpTransport } from './tcp.ts';

describe('createTransport', () => {
  it('builds each kind from its configuration without opening it', () => {
    const serial = createTransport({ kind: 'serial', path: '/dev/ttyUSB7', baudRate: 9600 });
    expect(serial).toBeInstanceOf(SerialTransport);
    expect(serial.description).toBe('serial:/dev/ttyUSB7@9600');
    expect(serial.isOpen).toBe(false);
    const tcp = createTransport({ kind: 'tcp', host: '127.0.0.1', port: 4001 });
    expect(tcp).toBeInstanceOf(TcpTransport);
    expect(tcp.description).toBe('tcp:127.0.0.1:4001');
    const hid = createTransport({ kind: 'hid', vendorId: 0x0c2e, productId: 0x0b61, serialNumber: 'X1' });
    expect(hid).toBeInstanceOf(HidTransport);
    expect(hid.description).toBe('hid:0c2e:0b61:X1');
  });

  it('hands out the registered mock by name and refuses an unknown one with a coded error', () => {
    const mock = new MockTransport('lane1-reader');
    const mocks = new Map([['lane1-reader', mock]]);
    expect(createTransport({ kind: 'mock', name: 'lane1-reader' }, { mocks })).toBe(mock);
    let caught: unknown;
    try {
      createTransport({ kind: 'mock', name: 'nope' }, { mocks });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(TransportConfigError);
    expect((caught as TransportConfigError).code).toBe('TRANSPORT_CONFIG_UNKNOWN_MOCK');
  });

  it('opens a HID device through real node-hid and fails with TRANSPORT_OPEN_FAILED when it is absent', async () => {
    const hid = createTransport({ kind: 'hid', vendorId: 0xfffe, productId: 0xfffd });
    await expect(hid.open()).rejects.toMatchObject({ code: 'TRANSPORT_OPEN_FAILED' });
    expect(hid.isOpen).toBe(false);
    const bySerial = createTransport({ kind: 'hid', vendorId: 0xfffe, productId: 0xfffd, serialNumber: 'none' });
    await expect(bySerial.open()).rejects.toMatchObject({ code: 'TRANSPORT_OPEN_FAILED' });
  });

  it('loads neither node-hid nor serialport until a transport of that kind is opened', () => {
    // A fresh process, so that no other test has loaded them: a box without HID or serial
    // devices (and without libusb/udev) never loads the native modules.
    const script = `
      import { createRequire } from 'node:module';
      const { createTransport } = await import('./agent/transport/create.ts');
      const cache = createRequire(import.meta.url).cache;
      const loaded = (name) => Object.keys(cache).some((k) => k.includes('/node_modules/' + name + '/'));
      const hid = createTransport({ kind: 'hid', vendorId: 0xfffe, productId: 0xfffd });
      const serial = createTransport({ kind: 'serial', path: '/nonexistent/tty', baudRate: 9600 });
      const out = { created: [loaded('node-hid'), loaded('@serialport/bindings-cpp')] };
      await hid.open().catch(() => undefined);
      out.hidOpened = [loaded('node-hid'), loaded('@serialport/bindings-cpp')];
      await serial.open().catch(() => undefined);
      out.serialOpened = [loaded('node-hid'), loaded('@serialport/bindings-cpp')];
      console.log(JSON.stringify(out));
    `;
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', cwd: fileURLToPath(new URL('../..', import.meta.url)) });
    expect(JSON.parse(out)).toEqual({ created: [false, false], hidOpened: [true, false], serialOpened: [true, true] });
  });
});
