import type { HttpRequest, HttpResponse } from 'uWebSockets.js';
import type { HeaderList } from '../../http/cors.js';
import { statusLine } from '../../http/status.js';
import type { RawResponse } from '../Host.js';

/**
 * A uWS response under the host contract. uWS requires `onAborted` before
 * the handler returns, allows one abort handler, crashes on writes to an
 * aborted response, and wants writes made outside the handler corked: this
 * registers the handler at once, drops writes once the client is gone, and
 * corks every write (corking inside the handler is harmless).
 */
export class UwsResponse implements RawResponse {
  readonly #res: HttpResponse;
  #aborted = false;
  #finished = false;
  #onAborted: (() => void) | null = null;
  readonly #upgrade: boolean;
  /** Body chunks are still to come. */
  #bodyPending = false;

  /** The request said `Connection: close`: uWS ends the connection after the answer, without saying so. */
  readonly #clientCloses: boolean;

  /** The answer to `req`; read before the handler returns (uWS invalidates `req` then). */
  static forRequest(res: HttpResponse, req: HttpRequest, upgrade = false): UwsResponse {
    return new UwsResponse(res, upgrade, asksToClose(req.getHeader('connection')));
  }

  /** `upgrade`: this answers a websocket upgrade request, so only a refusal is ever sent through it. */
  constructor(res: HttpResponse, upgrade = false, clientCloses = false) {
    this.#res = res;
    this.#upgrade = upgrade;
    this.#clientCloses = clientCloses;
    res.onAborted(() => {
      this.#aborted = true;
      const cb = this.#onAborted;
      this.#onAborted = null;
      if (cb && !this.#finished) cb();
    });
  }

  /** The client is still there and nothing finished the answer. */
  get writable(): boolean {
    return !this.#aborted && !this.#finished;
  }

  /** The client went away. */
  get aborted(): boolean {
    return this.#aborted;
  }

  /** The answer is finished by other means (a websocket upgrade). */
  finish(): void {
    this.#finished = true;
    this.#onAborted = null;
  }

  send(status: number, headers: HeaderList, body: string | Uint8Array, close: boolean): void {
    if (!this.writable) return;
    // A refused upgrade's connection is never reused (the host contract).
    const closeConnection = close || this.#upgrade || this.#clientCloses;
    this.finish();
    const res = this.#res;
    res.cork(() => {
      writeHead(res, status, headers);
      // uWS says `Connection: close` itself when `end` closes the connection,
      // but not for an answer given before the request body was read (413),
      // nor when the client asked for the close (RFC 9112 9.6: the server should still say it).
      if (closeConnection && (this.#bodyPending || this.#clientCloses)) res.writeHeader('Connection', 'close');
      res.end(body, closeConnection);
    });
  }

  startStream(status: number, headers: HeaderList, first: string): void {
    if (!this.writable) return;
    const res = this.#res;
    res.cork(() => {
      writeHead(res, status, headers);
      // Keep-alive agents reuse a connection unless the answer says it ends.
      if (this.#clientCloses) res.writeHeader('Connection', 'close');
      res.write(first);
    });
  }

  writeChunk(chunk: string): void {
    if (!this.writable) return;
    const res = this.#res;
    res.cork(() => res.write(chunk));
  }

  endStream(last?: string): void {
    if (!this.writable) return;
    this.finish();
    const res = this.#res;
    res.cork(() => {
      if (last !== undefined) res.write(last);
      res.end();
    });
  }

  destroy(): void {
    if (!this.writable) return;
    this.finish();
    this.#res.close();
  }

  onAborted(cb: () => void): void {
    this.#onAborted = cb;
  }

  onData(cb: (chunk: Buffer, isLast: boolean) => void): void {
    // uWS reuses each chunk's memory after the callback: copy it.
    this.#bodyPending = true;
    this.#res.onData((ab, isLast) => {
      if (isLast) this.#bodyPending = false;
      cb(Buffer.from(ab.slice(0)), isLast);
    });
  }
}

function writeHead(res: HttpResponse, status: number, headers: HeaderList): void {
  res.writeStatus(statusLine(status));
  for (const [k, v] of headers) res.writeHeader(k, v);
}

/** Whether a `Connection` header carries the `close` token. */
function asksToClose(connection: string): boolean {
  return connection.split(',').some((token) => token.trim().toLowerCase() === 'close');
}
