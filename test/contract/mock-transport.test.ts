import { MockTransport } from '../../agent/transport/mock.ts';
import { transportContract } from './transport.contract.ts';

transportContract(
  'MockTransport',
  async () => {
    const transport = new MockTransport('contract');
    return {
      transport,
      peer: () => transport.device,
      loseLink: async () => transport.loseLink(),
      makeUnreachable: async () => {
        transport.faults.failNextOpen = true;
      },
      restore: async () => {
        transport.faults.latencyMs = 0;
      },
      stallWrites: async () => {
        transport.faults.latencyMs = 200;
        return Uint8Array.of(1, 2, 3);
      },
      dispose: async () => undefined,
    };
  },
  {
    failNextWrite: (h) => {
      (h.transport as MockTransport).faults.failNextWrite = true;
    },
  },
);
