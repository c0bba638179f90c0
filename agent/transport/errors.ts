import type { TransportError, TransportErrorCode } from './transport.ts';

export function transportError(code: TransportErrorCode, message: string, cause?: unknown): TransportError {
  const e = new Error(message, cause === undefined ? undefined : { cause }) as Error & { code: TransportErrorCode };
  e.name = 'TransportError';
  e.code = code;
  return e;
}

export function isTransportError(e: unknown): e is TransportError {
  const code: unknown = e instanceof Error ? (e as Error & { code?: unknown }).code : undefined;
  return typeof code === 'string' && code.startsWith('TRANSPORT_');
}
