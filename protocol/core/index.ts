export * from './result.ts';
export * from './bytes.ts';
