import { get as httpGet, type IncomingMessage } from 'node:http';
import { get as httpsGet } from 'node:https';
import { Readable } from 'node:stream';
import { BaseFetcher } from 'tuf-js';
import { DownloadHTTPError } from 'tuf-js/dist/error.js';

export interface HttpGetOptions {
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** The connection may stay silent this long (connect, headers, or between body chunks). */
  idleTimeoutMs?: number;
}

/**
 * An HTTP(S) GET answered with the response as a stream, over node:http rather than
 * fetch(): the first fetch() of a process loads undici, about 16 MB of resident memory the
 * agent would keep for good (measured: 43 -> 59 MB), to check and download an update
 * once in a while.
 */
export function httpGetStream(url: string, o: HttpGetOptions = {}): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const get = new URL(url).protocol === 'https:' ? httpsGet : httpGet;
    const req = get(url, { headers: o.headers ?? {}, ...(o.signal ? { signal: o.signal } : {}), ...(o.idleTimeoutMs ? { timeout: o.idleTimeoutMs } : {}) }, resolve);
    req.on('timeout', () => req.destroy(new Error(`timeout: no data for ${o.idleTimeoutMs} ms`)));
    req.on('error', reject);
  });
}

/** tuf-js's metadata fetcher over httpGetStream (its default one uses fetch()). */
export class HttpFetcher extends BaseFetcher {
  constructor(private readonly timeoutMs: number) {
    super();
  }

  override async fetch(url: string): ReturnType<BaseFetcher['fetch']> {
    const res = await httpGetStream(url, { idleTimeoutMs: this.timeoutMs });
    if (res.statusCode !== 200) {
      res.resume();
      // A 404 or 403 on the next root version ends the root rotation loop (TUF 5.3.3).
      throw new DownloadHTTPError('Failed to download', res.statusCode ?? 0);
    }
    return Readable.toWeb(res) as Awaited<ReturnType<BaseFetcher['fetch']>>;
  }
}
