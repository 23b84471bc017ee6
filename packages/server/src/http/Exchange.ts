import type { HttpResponse } from 'uWebSockets.js';
import type { HeaderList } from './cors.js';

export const STATUS: Record<number, string> = {
  200: '200 OK',
  204: '204 No Content',
  400: '400 Bad Request',
  403: '403 Forbidden',
  404: '404 Not Found',
  405: '405 Method Not Allowed',
  413: '413 Payload Too Large',
  500: '500 Internal Server Error',
  503: '503 Service Unavailable',
};

/**
 * One HTTP request/response pair handled asynchronously. uWebSockets.js
 * requires `onAborted` before any `await`, allows a single abort handler,
 * and wants writes made outside the handler's synchronous part to be corked;
 * this wraps those rules so transports only say what to answer.
 */
export class Exchange {
  readonly res: HttpResponse;
  aborted = false;
  done = false;
  /** Headers added to every answer on this exchange (CORS, cookies). */
  headers: HeaderList = [];
  #onAbort: (() => void) | null = null;

  constructor(res: HttpResponse) {
    this.res = res;
    res.onAborted(() => {
      this.aborted = true;
      const cb = this.#onAbort;
      this.#onAbort = null;
      if (cb && !this.done) cb();
    });
  }

  /** Called if the client goes away before we answer. */
  onAbort(cb: (() => void) | null): void {
    this.#onAbort = cb;
  }

  get open(): boolean {
    return !this.aborted && !this.done;
  }

  respond(status: number, contentType: string | null, body: string | Uint8Array, extra?: HeaderList, closeConnection = false): boolean {
    if (this.aborted || this.done) return false;
    this.done = true;
    this.#onAbort = null;
    const res = this.res;
    res.cork(() => {
      res.writeStatus(STATUS[status] ?? `${status} Unknown`);
      if (contentType !== null) res.writeHeader('Content-Type', contentType);
      for (const [k, v] of this.headers) res.writeHeader(k, v);
      if (extra) for (const [k, v] of extra) res.writeHeader(k, v);
      res.end(body, closeConnection);
    });
    return true;
  }

  /**
   * Starts an answer that stays open (a chunked stream, e.g. htmlfile):
   * status and headers, then `first` as the first chunk. `write` adds
   * chunks, `end` finishes it. False if the client is gone.
   */
  beginStream(status: number, contentType: string, first: string, extra?: HeaderList): boolean {
    if (this.aborted || this.done) return false;
    this.#streaming = true;
    const res = this.res;
    res.cork(() => {
      res.writeStatus(STATUS[status] ?? `${status} Unknown`);
      res.writeHeader('Content-Type', contentType);
      for (const [k, v] of this.headers) res.writeHeader(k, v);
      if (extra) for (const [k, v] of extra) res.writeHeader(k, v);
      res.write(first);
    });
    return true;
  }

  /** One more chunk of a stream; false if the client is gone. */
  write(chunk: string): boolean {
    if (this.aborted || this.done || !this.#streaming) return false;
    const res = this.res;
    res.cork(() => res.write(chunk));
    return true;
  }

  /** Ends a stream (after an optional last chunk). */
  end(last?: string): void {
    if (this.aborted || this.done) return;
    this.done = true;
    this.#onAbort = null;
    const res = this.res;
    res.cork(() => {
      if (last !== undefined) res.write(last);
      res.end();
    });
  }

  /** Drops the connection without an answer. */
  close(): void {
    if (this.aborted || this.done) return;
    this.done = true;
    this.#onAbort = null;
    this.res.close();
  }

  get streaming(): boolean {
    return this.#streaming;
  }

  #streaming = false;

  json(status: number, value: unknown, closeConnection = false): boolean {
    return this.respond(status, 'application/json', JSON.stringify(value), undefined, closeConnection);
  }
}

/**
 * Reads a request body up to `limit` bytes. Resolves null as soon as the body
 * is larger than the limit (the rest is ignored), and rejects if the client
 * aborts. uWebSockets.js reuses each chunk's memory after the callback, so
 * chunks are copied.
 */
export function readBody(ex: Exchange, limit: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    let chunks: Buffer[] | null = [];
    let size = 0;
    ex.onAbort(() => reject(new Error('request aborted')));
    ex.res.onData((ab, isLast) => {
      if (chunks === null) return;
      size += ab.byteLength;
      if (size > limit) {
        chunks = null;
        ex.onAbort(null);
        resolve(null);
        return;
      }
      chunks.push(Buffer.from(ab.slice(0)));
      if (isLast) {
        const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
        chunks = null;
        ex.onAbort(null);
        resolve(body);
      }
    });
  });
}
