import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../core/index.ts';
import { decodePacket, encodePacket, SCS, type DecodedPacket } from './packet.ts';
import { computeMac, cpCryptogram, decryptData, deriveSessionKeys, encryptData, initialRmac, pdCryptogram, SCBK_D } from './secure-channel.ts';
import { SecureSession } from './secure-session.ts';

/**
 * SIA OSDP specification, Annex E ("Examples"): the secure-channel walk-through with
 * SCBK-D, ACU (CP) random B0..B7 and PD random A0..A7. Values as published there and as
 * carried by libosdp's unit tests (goToMain/libosdp, tests/unit-tests/test-sc-sia-vectors.c).
 */
const ANNEX_E = {
  scbkD: '303132333435363738393A3B3C3D3E3F',
  cpRandom: 'B0B1B2B3B4B5B6B7',
  pdRandom: 'A0A1A2A3A4A5A6A7',
  sMac1: '5E86C676603BDEE2D8BEAFE178637332',
  sMac2: '6FDA86E857777E81132035758239172E',
  sEnc: 'BF8DC2A8329ACB8C67C6D0CD9A451682',
  /** "host cryptogram" in the spec, sent by the CP in osdp_SCRYPT. */
  cpCryptogram: '26D3356E07762D262801FC8E6665A891',
  /** "client cryptogram" in the spec, sent by the PD in osdp_CCRYPT. */
  pdCryptogram: 'FDE5D2F428EC16312471EA3C02BD7796',
  rmacI: 'B2A30057EB98BA2229EC1F875662B524',
};

const keys = deriveSessionKeys(fromHex(ANNEX_E.scbkD), fromHex(ANNEX_E.cpRandom));

describe('secure channel: SIA Annex E vectors', () => {
  it('SCBK-D is 0x30..0x3F', () => {
    expect(toHex(SCBK_D).toUpperCase()).toBe(ANNEX_E.scbkD);
  });

  it('derives S-ENC, S-MAC1, S-MAC2', () => {
    expect(toHex(keys.enc).toUpperCase()).toBe(ANNEX_E.sEnc);
    expect(toHex(keys.mac1).toUpperCase()).toBe(ANNEX_E.sMac1);
    expect(toHex(keys.mac2).toUpperCase()).toBe(ANNEX_E.sMac2);
  });

  it('computes both cryptograms and the initial R-MAC', () => {
    const cp = cpCryptogram(keys, fromHex(ANNEX_E.cpRandom), fromHex(ANNEX_E.pdRandom));
    expect(toHex(cp).toUpperCase()).toBe(ANNEX_E.cpCryptogram);
    expect(toHex(pdCryptogram(keys, fromHex(ANNEX_E.cpRandom), fromHex(ANNEX_E.pdRandom))).toUpperCase()).toBe(ANNEX_E.pdCryptogram);
    expect(toHex(initialRmac(keys, cp)).toUpperCase()).toBe(ANNEX_E.rmacI);
  });
});

/**
 * MAC and data-encryption vectors from libosdp's unit tests (goToMain/libosdp,
 * tests/unit-tests/test-sc.c): NIST SP 800-38A F.2.1 AES-128-CBC (key 2b7e..., IV 0001...0f)
 * with S-MAC1 = S-MAC2 = S-ENC = that key, and OSDP-padded blocks derived from it there.
 * They pin the padding rules: a block-aligned MAC input is not padded, encrypted data always is.
 */
const NIST = {
  key: '2b7e151628aed2a6abf7158809cf4f3c',
  iv: '000102030405060708090a0b0c0d0e0f',
  plain4: '6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710',
  cipher1: '7649abac8119b246cee98e9b12e9197d',
  cipher4Last: '3ff1caa1681fac09120eca307586e1a7',
  /** 00..0e || 80 */
  osdp15: 'c5311f3d23d086ea86f5ee7f85247b40',
  /** 00..0f || 80 || 00*15 */
  osdp16: '7df76b0c1ab899b33e42f047b91b546fe2fe5bd6c1dfcdd19124f03e1a134d3b',
};

describe('secure channel: libosdp MAC and encryption vectors', () => {
  const k = fromHex(NIST.key);
  const nistKeys = { enc: k, mac1: k, mac2: k };
  const iv = fromHex(NIST.iv);
  const complementedIv = iv.map((b) => ~b & 0xff);
  const bytes = (n: number) => Uint8Array.from({ length: n }, (_, i) => i);

  it('MAC of one and of four aligned blocks (no padding)', () => {
    expect(toHex(computeMac(nistKeys, iv, fromHex(NIST.plain4).subarray(0, 16)))).toBe(NIST.cipher1);
    expect(toHex(computeMac(nistKeys, iv, fromHex(NIST.plain4)))).toBe(NIST.cipher4Last);
  });

  it('MAC of a partial block is padded with 0x80', () => {
    expect(toHex(computeMac(nistKeys, iv, bytes(15)))).toBe(NIST.osdp15);
  });

  it('encryption uses the complemented last MAC as IV and always pads', () => {
    expect(toHex(encryptData(nistKeys, complementedIv, bytes(15)))).toBe(NIST.osdp15);
    expect(toHex(encryptData(nistKeys, complementedIv, bytes(16)))).toBe(NIST.osdp16);
    const back = decryptData(nistKeys, complementedIv, fromHex(NIST.osdp16));
    expect(back.ok && toHex(back.value)).toBe(toHex(bytes(16)));
  });

  it('decryption refuses a block without the end-of-message marker', () => {
    const noMarker = encryptData(nistKeys, complementedIv, new Uint8Array(0));
    const tampered = noMarker.slice();
    tampered[15] = (tampered[15] as number) ^ 0xff;
    const r = decryptData(nistKeys, complementedIv, tampered);
    expect(!r.ok && r.error.code).toBe('OSDP_SC_BAD_PADDING');
  });
});

describe('secure channel: MAC and encryption', () => {
  const iv = fromHex(ANNEX_E.rmacI);

  it('encryption pads with 0x80 even on a block boundary and round-trips', () => {
    for (const n of [1, 15, 16, 17, 40]) {
      const plain = Uint8Array.from({ length: n }, (_, i) => i);
      const cipher = encryptData(keys, iv, plain);
      expect(cipher.length).toBe((Math.floor(n / 16) + 1) * 16);
      const back = decryptData(keys, iv, cipher);
      expect(back.ok && toHex(back.value)).toBe(toHex(plain));
    }
  });

  it('decryption with the wrong chain is refused with OSDP_SC_BAD_PADDING or yields other bytes', () => {
    const cipher = encryptData(keys, iv, fromHex('0102030405'));
    const r = decryptData(keys, new Uint8Array(16), cipher);
    expect(!r.ok ? r.error.code : toHex(r.value)).not.toBe('0102030405');
    const torn = decryptData(keys, iv, cipher.subarray(0, 15));
    expect(!torn.ok && torn.error.code).toBe('OSDP_SC_BAD_PADDING');
  });

  it('the MAC depends on every byte and on the chain', () => {
    const msg = fromHex('53000e000d021560');
    const a = computeMac(keys, iv, msg);
    expect(toHex(computeMac(keys, iv, fromHex('53000e000d021561')))).not.toBe(toHex(a));
    expect(toHex(computeMac(keys, new Uint8Array(16), msg))).not.toBe(toHex(a));
    expect(computeMac(keys, iv, new Uint8Array(48)).length).toBe(16);
  });
});

describe('SecureSession: CP and PD chained back to back', () => {
  const decode = (bytes: Uint8Array): DecodedPacket => {
    const step = decodePacket(bytes);
    if (step.kind !== 'frame') throw new Error(`not a frame: ${step.kind}`);
    return step.frame;
  };

  it('commands and replies, with and without data, open on the other side in order', () => {
    const rmacI = fromHex(ANNEX_E.rmacI);
    const cp = new SecureSession(keys, rmacI, 'cp');
    const pd = new SecureSession(keys, rmacI, 'pd');
    for (let i = 0; i < 5; i++) {
      const cmd = decode(cp.seal({ address: 3, sequence: (i % 3) + 1, code: 0x60 + i, data: i % 2 ? fromHex('0102') : new Uint8Array(0) }));
      expect(cmd.securityBlock?.type).toBe(i % 2 ? SCS.CMD_ENC : SCS.CMD_MAC);
      const opened = pd.open(cmd);
      expect(opened.ok && opened.value.code).toBe(0x60 + i);
      expect(opened.ok && toHex(opened.value.data)).toBe(i % 2 ? '0102' : '');
      const reply = decode(pd.seal({ address: 3, sequence: (i % 3) + 1, code: 0x40, data: fromHex('aabbcc') }));
      expect(reply.reply).toBe(true);
      const back = cp.open(reply);
      expect(back.ok && toHex(back.value.data)).toBe('aabbcc');
    }
  });

  it('a replayed or tampered packet fails with OSDP_SC_BAD_MAC and leaves the chain intact', () => {
    const rmacI = fromHex(ANNEX_E.rmacI);
    const cp = new SecureSession(keys, rmacI, 'cp');
    const pd = new SecureSession(keys, rmacI, 'pd');
    const first = decode(cp.seal({ address: 1, sequence: 1, code: 0x60, data: new Uint8Array(0) }));
    expect(pd.open(first).ok).toBe(true);
    const reply = decode(pd.seal({ address: 1, sequence: 1, code: 0x40, data: new Uint8Array(0) }));
    // Once the PD has answered, the chain has moved on: the same command no longer verifies.
    const replay = pd.open(first);
    expect(!replay.ok && replay.error.code).toBe('OSDP_SC_BAD_MAC');
    expect(cp.open({ ...reply, mac: Uint8Array.of(0, 0, 0, 0) }).ok).toBe(false);
    expect(cp.open(reply).ok).toBe(true);
  });

  it('a plain packet or a wrong block type is refused', () => {
    const cp = new SecureSession(keys, fromHex(ANNEX_E.rmacI), 'cp');
    const plain = decode(encodePacket({ address: 1, reply: true, sequence: 1, useCrc: true, code: 0x40, data: new Uint8Array(0) }));
    const r1 = cp.open(plain);
    expect(!r1.ok && r1.error.code).toBe('OSDP_SC_NOT_ACTIVE');
    const other = new SecureSession(keys, fromHex(ANNEX_E.rmacI), 'cp');
    const command = decode(other.seal({ address: 1, sequence: 1, code: 0x60, data: new Uint8Array(0) }));
    const r2 = cp.open(command);
    expect(!r2.ok && r2.error.code).toBe('OSDP_SC_UNEXPECTED_BLOCK');
  });
});
