export * from './errors.ts';
export * from './crc.ts';
export * from './packet.ts';
export * from './commands.ts';
export * from './secure-channel.ts';
export * from './secure-session.ts';
