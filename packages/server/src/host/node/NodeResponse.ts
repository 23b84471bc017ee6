import { STATUS_CODES, type ServerResponse } from 'node:http';
import type { Http2ServerResponse } from 'node:http2';
import type { Duplex } from 'node:stream';
import type { HeaderList } from '../../http/cors.js';
import { mergeHeaders } from '../../http/mergeHeaders.js';
import type { RawResponse } from '../Host.js';
import type { NodeRequest } from './requestInfo.js';

const EMPTY = Buffer.alloc(0);

type NodeServerResponse = ServerResponse | Http2ServerResponse;

/** What both response kinds share for body writes (their typings differ only in overloads). */
interface BodyWriter {
  write(chunk: string): boolean;
  end(body?: string | Uint8Array): void;
}

function byteLength(body: string | Uint8Array): number {
  return typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength;
}

/**
 * A flat `[name, value, name, value]` list: the form `writeHead` takes
 * without merging repeats, so several Set-Cookie headers stay several.
 */
function flat(headers: HeaderList, extra: HeaderList): string[] {
  const out: string[] = [];
  for (const [k, v] of headers) out.push(k, v);
  for (const [k, v] of extra) out.push(k, v);
  return out;
}

const H2_CONNECTION_HEADERS: ReadonlySet<string> = new Set(['connection', 'keep-alive', 'transfer-encoding']);

/** HTTP/2 wants an object (repeats as arrays) and forbids connection-level headers. */
function h2Headers(headers: HeaderList, extra: HeaderList): Record<string, string | string[]> {
  const out = Object.create(null) as Record<string, string | string[]>;
  for (const [k, v] of [...headers, ...extra]) {
    const name = k.toLowerCase();
    if (H2_CONNECTION_HEADERS.has(name)) continue;
    const prev = out[name];
    out[name] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}

/** A `RawResponse` over node:http's `ServerResponse` (or http2's compatibility response). */
export class NodeResponse implements RawResponse {
  readonly #req: NodeRequest;
  readonly #res: NodeServerResponse;
  readonly #body: BodyWriter;
  readonly #h2: boolean;
  /** The answer is complete (sent, stream ended) or dropped by us: no abort after this. */
  #finished = false;
  #abort: (() => void) | null = null;
  /** Middlewares had the response: headers go through setHeader, so theirs and their writeHead hooks apply. */
  #progressive = false;

  constructor(req: NodeRequest, res: NodeServerResponse) {
    this.#req = req;
    this.#res = res;
    this.#body = res;
    this.#h2 = req.httpVersionMajor === 2;
    // 'close' also follows a normal finish; only an unfinished answer is an abort.
    res.once('close', () => {
      if (this.#finished) return;
      this.#finished = true;
      const cb = this.#abort;
      this.#abort = null;
      cb?.();
    });
  }

  /**
   * The engine's middlewares ran on this response. Its headers are then set
   * one by one before a bare `writeHead(status)`: node merges them with what
   * the middlewares set, and a wrapped `writeHead` (on-headers, as
   * express-session uses) reads a flat header list as single headers.
   */
  viaMiddlewares(): void {
    this.#progressive = true;
  }

  #writeHead(status: number, headers: HeaderList, extra: HeaderList): void {
    if (this.#progressive) {
      mergeHeaders(this.#res, [...headers, ...extra], this.#h2 ? (name) => !H2_CONNECTION_HEADERS.has(name) : undefined);
      this.#res.writeHead(status);
    } else if (this.#h2) (this.#res as Http2ServerResponse).writeHead(status, h2Headers(headers, extra));
    else (this.#res as ServerResponse).writeHead(status, flat(headers, extra));
  }

  /** Whether an answer may still be written. */
  get open(): boolean {
    return !this.#finished;
  }

  send(status: number, headers: HeaderList, body: string | Uint8Array, closeConnection: boolean): void {
    if (this.#finished) return;
    this.#finished = true;
    const length: HeaderList = [['Content-Length', String(byteLength(body))]];
    // Node then sends `Connection: close` and closes the socket once the answer
    // is out; not on HTTP/2, where it would end every stream of the session.
    if (closeConnection && !this.#h2) (this.#res as ServerResponse).shouldKeepAlive = false;
    this.#writeHead(status, headers, length);
    // One end() after writeHead: head and body leave in one write.
    this.#body.end(body);
  }

  startStream(status: number, headers: HeaderList, first: string): void {
    if (this.#finished) return;
    // htmlfile and multipart clients read chunks as they come: no Nagle delay
    // (a user's server may have been created with `noDelay: false`).
    if (!this.#h2) this.#req.socket?.setNoDelay(true);
    this.#writeHead(status, headers, []);
    this.#writeChunk(first);
  }

  writeChunk(chunk: string): void {
    if (this.#finished) return;
    this.#writeChunk(chunk);
  }

  /**
   * One write, one chunk, sent now. Node 22+ corks a response for the rest
   * of the tick and merges its writes into one chunk; streamed clients read
   * parts as they come, and the wire should not depend on the Node version.
   */
  #writeChunk(chunk: string): void {
    this.#body.write(chunk);
    const res = this.#res;
    while (res.writableCorked > 0) res.uncork();
  }

  endStream(last?: string): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#body.end(last);
  }

  destroy(): void {
    this.#finished = true;
    this.#res.destroy();
  }

  onAborted(cb: () => void): void {
    this.#abort = cb;
  }

  /**
   * The engine calls this synchronously in its handler. Even later would be
   * safe: node keeps an unread body buffered in the paused request stream,
   * and only dumps it once the answer is finished.
   */
  onData(cb: (chunk: Buffer, isLast: boolean) => void): void {
    this.#req.on('data', (chunk: Buffer) => cb(chunk, false));
    this.#req.once('end', () => cb(EMPTY, true));
  }
}

/**
 * A `RawResponse` over the bare socket of an upgrade request, for refusals
 * (node:http hands upgrade requests over without a `ServerResponse`). Every
 * answer closes the connection: the client asked to switch protocols, not
 * for a keep-alive exchange.
 */
export class SocketResponse implements RawResponse {
  readonly #socket: Duplex;
  #finished = false;
  #abort: (() => void) | null = null;

  constructor(socket: Duplex) {
    this.#socket = socket;
    socket.once('close', () => {
      if (this.#finished) return;
      this.#finished = true;
      const cb = this.#abort;
      this.#abort = null;
      cb?.();
    });
  }

  /** Whether the socket can still be answered or upgraded. */
  get open(): boolean {
    return !this.#finished && this.#socket.writable && !this.#socket.destroyed;
  }

  /** The upgrade went through: the socket belongs to the websocket now. */
  handOver(): void {
    this.#finished = true;
    this.#abort = null;
  }

  send(status: number, headers: HeaderList, body: string | Uint8Array, _closeConnection: boolean): void {
    if (this.#finished) return;
    this.#finished = true;
    const socket = this.#socket;
    socket.cork();
    socket.write(head(status, headers, [['Content-Length', String(byteLength(body))]]));
    this.#endThenClose(body);
  }

  startStream(status: number, headers: HeaderList, first: string): void {
    if (this.#finished) return;
    // No length and no chunking: the body ends when the connection does.
    this.#socket.write(head(status, headers, []) + first);
  }

  writeChunk(chunk: string): void {
    if (!this.#finished) this.#socket.write(chunk);
  }

  endStream(last?: string): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#endThenClose(last ?? EMPTY);
  }

  destroy(): void {
    this.#finished = true;
    this.#socket.destroy();
  }

  onAborted(cb: () => void): void {
    this.#abort = cb;
  }

  /** An upgrade request has no body; delivered after the caller's handler has set up. */
  onData(cb: (chunk: Buffer, isLast: boolean) => void): void {
    queueMicrotask(() => cb(EMPTY, true));
  }

  #endThenClose(body: string | Uint8Array): void {
    const socket = this.#socket;
    // end() alone leaves the read side to the client; once our bytes are out
    // the connection is over either way.
    socket.once('finish', () => socket.destroy());
    socket.end(body);
  }
}

function head(status: number, headers: HeaderList, extra: HeaderList): string {
  let out = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Unknown'}\r\n`;
  for (const [k, v] of headers) out += `${k}: ${v}\r\n`;
  for (const [k, v] of extra) out += `${k}: ${v}\r\n`;
  return `${out}Connection: close\r\n\r\n`;
}
