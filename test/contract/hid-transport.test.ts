import { HidTransport } from '../../agent/transport/hid.ts';
import { FakeHidDevice } from '../../firmware-sim/hid-scanner/fake-hid-device.ts';
import { transportContract } from './transport.contract.ts';

// There is no /dev/uhid here, so the real HidTransport runs against an injected device object
// shaped like node-hid's HIDAsync; everything above the device handle is the production code.
transportContract(
  'HidTransport over an injected fake HID device',
  async () => {
    const device = new FakeHidDevice(0x1234, 0x5678);
    const transport = new HidTransport({ vendorId: 0x1234, productId: 0x5678 }, () => device.open());
    return {
      transport,
      peer: () => device,
      loseLink: async () => device.unplug(),
      makeUnreachable: async () => device.unplug(),
      restore: async () => device.plug(),
      stallWrites: async () => {
        device.stallWrites = true;
        return Uint8Array.of(0, 1, 2, 3);
      },
      dispose: async () => undefined,
    };
  },
  {
    failNextWrite: (h) => {
      // The harness above is the only one whose peer is a FakeHidDevice.
      const device = (h.peer() as FakeHidDevice);
      device.failNextWrite = true;
    },
  },
);
