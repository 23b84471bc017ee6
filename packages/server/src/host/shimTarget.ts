import type { HeaderList } from '../http/cors.js';
import { mergeHeaders } from '../http/mergeHeaders.js';
import { ShimResponse } from '../http/ShimResponse.js';
import type { MiddlewareRequest, MiddlewareTarget, RawResponse } from './Host.js';

/**
 * A `RawResponse` that writes through a `ShimResponse`, so what middlewares
 * did to the shim (headers set, `writeHead`/`end` wrapped) applies to the
 * engine's answer, which then goes out through the host's own response.
 */
class ShimRaw implements RawResponse {
  readonly shim: ShimResponse;
  readonly #inner: RawResponse;
  #close = false;
  /** Body chunks that came while the middlewares ran (uWS hands them over once, as they arrive). */
  #early: Array<[Buffer, boolean]> | null = null;
  #onData: ((chunk: Buffer, isLast: boolean) => void) | null = null;

  constructor(inner: RawResponse, bufferBody: boolean) {
    this.#inner = inner;
    this.shim = new ShimResponse({
      send: (status, headers, body) => inner.send(status, headers, body, this.#close),
      startStream: (status, headers, first) => inner.startStream(status, headers, first),
      writeChunk: (chunk) => inner.writeChunk(chunk),
      endStream: (last) => inner.endStream(last),
    });
    if (bufferBody) {
      const early: Array<[Buffer, boolean]> = [];
      this.#early = early;
      inner.onData((chunk, isLast) => {
        if (this.#onData) this.#onData(chunk, isLast);
        else early.push([chunk, isLast]);
      });
    }
  }

  send(status: number, headers: HeaderList, body: string | Uint8Array, closeConnection: boolean): void {
    const shim = this.shim;
    if (shim.writableEnded) return;
    this.#close = closeConnection;
    mergeHeaders(shim, headers);
    shim.writeHead(status);
    shim.end(typeof body === 'string' ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength));
  }

  startStream(status: number, headers: HeaderList, first: string): void {
    const shim = this.shim;
    if (shim.writableEnded) return;
    mergeHeaders(shim, headers);
    shim.stream();
    shim.writeHead(status);
    shim.write(first);
  }

  writeChunk(chunk: string): void {
    this.shim.write(chunk);
  }

  endStream(last?: string): void {
    this.shim.end(last ?? '');
  }

  destroy(): void {
    this.#inner.destroy();
  }

  onAborted(cb: () => void): void {
    this.#inner.onAborted(cb);
  }

  onData(cb: (chunk: Buffer, isLast: boolean) => void): void {
    const early = this.#early;
    if (!early) return this.#inner.onData(cb);
    this.#onData = cb;
    this.#early = null;
    for (const [chunk, isLast] of early) cb(chunk, isLast);
  }
}

/**
 * Middlewares on a `ShimResponse` over the host's response: for hosts (or
 * requests) without a node `ServerResponse`. `bufferBody` reads the body
 * at once, for a host that hands it over only as it arrives.
 */
export function shimTarget(req: MiddlewareRequest, inner: RawResponse, bufferBody: boolean, socket: object | null = null): MiddlewareTarget {
  const raw = new ShimRaw(inner, bufferBody);
  const res = raw.shim;
  res.socket = socket;
  return {
    req,
    res,
    raw,
    answered: () => res.headersSent || res.writableEnded,
    upgradeHeaders: () => {
      // engine.io calls writeHead() here too: express-session sets its cookie from that hook.
      if (!res.headersSent) res.writeHead(101);
      return res.headerList();
    },
  };
}
