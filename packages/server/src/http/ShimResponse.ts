import { EventEmitter } from 'node:events';
import type { HeaderList } from './cors.js';

export type HeaderValue = string | number | readonly string[];

/** Where a `ShimResponse` sends what was written to it, once its status and headers are final. */
export interface ShimSink {
  /** The whole answer (`end` without a stream started). */
  send(status: number, headers: HeaderList, body: Buffer): void;
  /** A streamed answer: the head and the first chunk, then more chunks, then the end. */
  startStream(status: number, headers: HeaderList, first: string): void;
  writeChunk(chunk: string): void;
  endStream(last: string): void;
}

/**
 * The part of node's `ServerResponse` that Connect-style middlewares use
 * (express-session, helmet, cors, passport), where the host has no
 * `ServerResponse`: uWebSockets.js requests, and websocket upgrade requests
 * on node. Headers are buffered until the status is final (uWS writes the
 * status line first); what the middlewares or the engine write goes to the
 * sink, a whole answer at `end` or chunk by chunk once `stream()` was asked.
 * `writeHead`, `write` and `end` are plain methods so middlewares can wrap
 * them (on-headers, express-session's save before end).
 */
export class ShimResponse extends EventEmitter {
  statusCode = 200;
  statusMessage = '';
  /** `ServerResponse`'s own marker of a head written (read by express-session). */
  _header: string | null = null;
  writableEnded = false;
  finished = false;
  /** The connection, where the host has one to show (node's upgrade requests). */
  socket: object | null = null;
  /** What middlewares may keep per request (Express's `res.locals`). */
  locals: Record<string, unknown> = {};
  readonly #headers = new Map<string, { name: string; value: HeaderValue }>();
  readonly #sink: ShimSink;
  #streaming = false;
  #started = false;
  #pending: Array<string | Buffer> = [];

  constructor(sink: ShimSink) {
    super();
    this.#sink = sink;
  }

  get headersSent(): boolean {
    return this._header !== null;
  }

  /** From now on writes are sent as they come (the engine streams this answer). */
  stream(): void {
    this.#streaming = true;
  }

  setHeader(name: string, value: HeaderValue): this {
    if (this._header !== null) throw new Error('Cannot set headers after they are sent to the client');
    this.#headers.set(name.toLowerCase(), { name, value });
    return this;
  }

  appendHeader(name: string, value: HeaderValue): this {
    const prev = this.getHeader(name);
    const add = Array.isArray(value) ? (value as readonly string[]) : [String(value)];
    if (prev === undefined) return this.setHeader(name, add.length === 1 ? add[0]! : add);
    const before = Array.isArray(prev) ? (prev as readonly string[]) : [String(prev)];
    return this.setHeader(name, [...before, ...add]);
  }

  getHeader(name: string): HeaderValue | undefined {
    return this.#headers.get(name.toLowerCase())?.value;
  }

  getHeaders(): Record<string, HeaderValue> {
    const out = Object.create(null) as Record<string, HeaderValue>;
    for (const [key, { value }] of this.#headers) out[key] = value;
    return out;
  }

  getHeaderNames(): string[] {
    return [...this.#headers.keys()];
  }

  hasHeader(name: string): boolean {
    return this.#headers.has(name.toLowerCase());
  }

  removeHeader(name: string): void {
    if (this._header !== null) throw new Error('Cannot remove headers after they are sent to the client');
    this.#headers.delete(name.toLowerCase());
  }

  /** The headers as written on the wire: a repeated header once per value. */
  headerList(): HeaderList {
    const out: HeaderList = [];
    for (const { name, value } of this.#headers.values()) {
      if (Array.isArray(value)) for (const v of value as readonly string[]) out.push([name, v]);
      else out.push([name, String(value)]);
    }
    return out;
  }

  writeHead(status: number, message?: string | Record<string, HeaderValue>, headers?: Record<string, HeaderValue>): this {
    if (this._header !== null) return this;
    const h = typeof message === 'object' ? message : headers;
    if (typeof message === 'string') this.statusMessage = message;
    if (h) for (const [k, v] of Object.entries(h)) this.setHeader(k, v);
    this.statusCode = status;
    this._header = `${status}`;
    return this;
  }

  /** What node calls before a first write without `writeHead` (express-session calls it too). */
  _implicitHeader(): void {
    this.writeHead(this.statusCode);
  }

  flushHeaders(): void {
    this._implicitHeader();
  }

  write(chunk: string | Buffer, encoding?: BufferEncoding | (() => void), cb?: () => void): boolean {
    if (this.writableEnded) return false;
    if (this._header === null) this._implicitHeader();
    this.#pending.push(typeof chunk === 'string' && typeof encoding === 'string' ? Buffer.from(chunk, encoding) : chunk);
    if (this.#streaming) this.#flush(false);
    const done = typeof encoding === 'function' ? encoding : cb;
    if (done) queueMicrotask(done);
    return true;
  }

  end(chunk?: string | Buffer | (() => void), encoding?: BufferEncoding | (() => void), cb?: () => void): this {
    if (this.writableEnded) return this;
    if (typeof chunk === 'function') return this.end(undefined, undefined, chunk);
    if (chunk !== undefined && chunk !== null) this.write(chunk, typeof encoding === 'string' ? encoding : undefined);
    if (this._header === null) this._implicitHeader();
    this.writableEnded = true;
    this.finished = true;
    this.#flush(true);
    const done = typeof encoding === 'function' ? encoding : cb;
    if (done) queueMicrotask(done);
    queueMicrotask(() => {
      this.emit('finish');
      this.emit('close');
    });
    return this;
  }

  #flush(last: boolean): void {
    const chunks = this.#pending;
    this.#pending = [];
    if (!this.#streaming) {
      this.#sink.send(this.statusCode, this.headerList(), Buffer.concat(chunks.map((c) => (typeof c === 'string' ? Buffer.from(c) : c))));
      return;
    }
    const text = chunks.map((c) => c.toString()).join('');
    if (!this.#started) {
      this.#started = true;
      this.#sink.startStream(this.statusCode, this.headerList(), text);
      if (last) this.#sink.endStream('');
      return;
    }
    if (last) this.#sink.endStream(text);
    else if (text !== '') this.#sink.writeChunk(text);
  }
}
