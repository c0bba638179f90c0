import { err, ok, type Result } from '../core/index.ts';
import { osdpError, type OsdpError, type OsdpSecureErrorCode } from './errors.ts';
import { encodePacket, MAC_LENGTH, SCS, type DecodedPacket } from './packet.ts';
import { computeMac, decryptData, encryptData, sameBytes, type SessionKeys } from './secure-channel.ts';

export interface PlainMessage {
  readonly address: number;
  readonly sequence: number;
  readonly code: number;
  readonly data: Uint8Array;
}

/**
 * One established secure channel, seen from the CP or from the PD: it keeps the two
 * chained MACs (C-MAC of the last command, R-MAC of the last reply), seals outgoing
 * packets (encrypt, then MAC) and opens incoming ones (check the MAC, then decrypt).
 * A failed open leaves the chain untouched; the caller drops the session.
 */
export class SecureSession {
  private cMac: Uint8Array;
  private rMac: Uint8Array;

  constructor(
    private readonly keys: SessionKeys,
    rmacI: Uint8Array,
    private readonly role: 'cp' | 'pd',
  ) {
    this.rMac = rmacI.slice();
    this.cMac = new Uint8Array(16);
  }

  /** Encodes `m` as a secured packet (SCS_17/18 when there is data, SCS_15/16 otherwise). */
  seal(m: PlainMessage, mark = true): Uint8Array {
    const isCommand = this.role === 'cp';
    const ivMac = isCommand ? this.rMac : this.cMac;
    const encrypted = m.data.length > 0;
    const type = isCommand ? (encrypted ? SCS.CMD_ENC : SCS.CMD_MAC) : encrypted ? SCS.REPLY_ENC : SCS.REPLY_MAC;
    const data = encrypted ? encryptData(this.keys, ivMac, m.data) : m.data;
    return encodePacket(
      { address: m.address, reply: !isCommand, sequence: m.sequence, useCrc: true, securityBlock: { type, data: new Uint8Array(0) }, code: m.code, data },
      {
        mark,
        sign: (input) => {
          const mac = computeMac(this.keys, ivMac, input);
          if (isCommand) this.cMac = mac;
          else this.rMac = mac;
          return mac.subarray(0, MAC_LENGTH);
        },
      },
    );
  }

  /** Checks and decrypts a secured packet from the peer (SCS_15/16 may carry clear, MAC-only data). */
  open(p: DecodedPacket): Result<{ code: number; data: Uint8Array }, OsdpError<OsdpSecureErrorCode>> {
    const fromCp = this.role === 'pd';
    const [macType, encType] = fromCp ? [SCS.CMD_MAC, SCS.CMD_ENC] : [SCS.REPLY_MAC, SCS.REPLY_ENC];
    const type = p.securityBlock?.type;
    if (type === undefined) return err(osdpError('OSDP_SC_NOT_ACTIVE', 'plain packet on an established secure channel'));
    if (type !== macType && type !== encType) return err(osdpError('OSDP_SC_UNEXPECTED_BLOCK', `security block 0x${type.toString(16)} on an established channel`));
    const ivMac = fromCp ? this.rMac : this.cMac;
    const mac = computeMac(this.keys, ivMac, p.macInput);
    if (!p.mac || !sameBytes(mac.subarray(0, MAC_LENGTH), p.mac)) return err(osdpError('OSDP_SC_BAD_MAC', 'packet MAC does not match'));
    let data = p.data;
    if (type === encType) {
      const plain = decryptData(this.keys, ivMac, p.data);
      if (!plain.ok) return plain;
      data = plain.value;
    }
    if (fromCp) this.cMac = mac;
    else this.rMac = mac;
    return ok({ code: p.code, data });
  }
}
