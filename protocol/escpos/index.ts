export * from './codepage.ts';
export * from './commands.ts';
export * from './command-decoder.ts';
export * from './document.ts';
export * from './errors.ts';
export * from './status.ts';
export * from './status-encode.ts';
