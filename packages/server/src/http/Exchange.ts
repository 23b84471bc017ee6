import type { RawResponse } from '../host/Host.js';
import type { HeaderList } from './cors.js';

/**
 * One HTTP request/response pair handled asynchronously, on any host. It
 * keeps the engine's bookkeeping (whether the client left, whether the
 * answer is given, headers every answer carries) so transports only say
 * what to answer; the host's `RawResponse` does the writing.
 */
export class Exchange {
  readonly raw: RawResponse;
  aborted = false;
  done = false;
  /** Headers added to every answer on this exchange (CORS, cookies). */
  headers: HeaderList = [];
  #onAbort: (() => void) | null = null;

  constructor(raw: RawResponse) {
    this.raw = raw;
    raw.onAborted(() => {
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
    if (!this.#finish()) return false;
    this.raw.send(status, this.#headersWith(contentType, extra), body, closeConnection);
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
    this.raw.startStream(status, this.#headersWith(contentType, extra), first);
    return true;
  }

  /** One more chunk of a stream; false if the client is gone. */
  write(chunk: string): boolean {
    if (this.aborted || this.done || !this.#streaming) return false;
    this.raw.writeChunk(chunk);
    return true;
  }

  /** Ends a stream (after an optional last chunk). */
  end(last?: string): void {
    if (this.#finish()) this.raw.endStream(last);
  }

  /** Drops the connection without an answer. */
  close(): void {
    if (this.#finish()) this.raw.destroy();
  }

  /** Marks the exchange answered by other means (a websocket upgrade); false if it was over already. */
  takeOver(): boolean {
    return this.#finish();
  }

  get streaming(): boolean {
    return this.#streaming;
  }

  #streaming = false;

  json(status: number, value: unknown, closeConnection = false): boolean {
    return this.respond(status, 'application/json', JSON.stringify(value), undefined, closeConnection);
  }

  #finish(): boolean {
    if (this.aborted || this.done) return false;
    this.done = true;
    this.#onAbort = null;
    return true;
  }

  #headersWith(contentType: string | null, extra: HeaderList | undefined): HeaderList {
    const h: HeaderList = contentType !== null ? [['Content-Type', contentType]] : [];
    for (const kv of this.headers) h.push(kv);
    if (extra) for (const kv of extra) h.push(kv);
    return h;
  }
}

/**
 * Reads a request body up to `limit` bytes. Resolves null as soon as the body
 * is larger than the limit (the rest is ignored), and rejects if the client
 * aborts. The host hands over chunks the engine may keep.
 */
export function readBody(ex: Exchange, limit: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    let chunks: Buffer[] | null = [];
    let size = 0;
    ex.onAbort(() => reject(new Error('request aborted')));
    ex.raw.onData((chunk, isLast) => {
      if (chunks === null) return;
      size += chunk.byteLength;
      if (size > limit) {
        chunks = null;
        ex.onAbort(null);
        resolve(null);
        return;
      }
      chunks.push(chunk);
      if (isLast) {
        const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
        chunks = null;
        ex.onAbort(null);
        resolve(body);
      }
    });
  });
}
