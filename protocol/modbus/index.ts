export * from './types.ts';
export * from './crc.ts';
export * from './bits.ts';
export * from './encode.ts';
export * from './decode.ts';
export * from './stream.ts';
