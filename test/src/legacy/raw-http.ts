/**
 * A byte-level HTTP/1.1 client over node:net for the legacy wire tests: every
 * request goes out exactly as written, and every response is kept as raw
 * bytes (status line, headers in wire order, body, and the individual chunks
 * of a chunked body), so tests can compare against WIRE-EXAMPLES.md byte for
 * byte. One RawConn = one TCP connection: a held long-poll never blocks
 * another request of the same session.
 */
import net from 'node:net';

export interface RawHead {
  statusLine: string;
  status: number;
  /** Headers in wire order, names as sent. */
  headers: Array<[string, string]>;
  /** Case-insensitive lookup; undefined when absent (the first one if repeated). */
  header(name: string): string | undefined;
  raw: Buffer;
}

export interface RawResponse extends RawHead {
  body: Buffer;
  /** The body as UTF-8. */
  text: string;
  /** For chunked bodies: each chunk's payload, in order (without the terminating chunk). */
  chunks: Buffer[] | null;
}

export interface RequestOptions {
  headers?: Array<[string, string]> | Record<string, string>;
  /** Sent as is; Content-Length is added unless a header of that name is given. */
  body?: string | Buffer;
  /** Connection header value (default keep-alive); null = no Connection header. */
  connection?: string | null;
}

const CRLF = Buffer.from('\r\n');
const HEAD_END = Buffer.from('\r\n\r\n');

export function hostOf(url: string): { host: string; port: number } {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port) };
}

/** The request bytes: request line, Host, Connection, the given headers, Content-Length, body. */
export function requestBytes(url: string, method: string, path: string, opts: RequestOptions = {}): Buffer {
  const { host, port } = hostOf(url);
  const list = Array.isArray(opts.headers) ? opts.headers : Object.entries(opts.headers ?? {});
  const body = opts.body === undefined ? null : Buffer.isBuffer(opts.body) ? opts.body : Buffer.from(opts.body, 'utf8');
  const lines = [`${method} ${path} HTTP/1.1`, `Host: ${host}:${port}`];
  const connection = opts.connection === undefined ? 'keep-alive' : opts.connection;
  if (connection !== null) lines.push(`Connection: ${connection}`);
  if (body && !list.some(([k]) => k.toLowerCase() === 'content-length')) lines.push(`Content-Length: ${body.length}`);
  for (const [k, v] of list) lines.push(`${k}: ${v}`);
  return Buffer.concat([Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'latin1'), body ?? Buffer.alloc(0)]);
}

function parseHead(raw: Buffer): RawHead {
  const lines = raw.toString('latin1').split('\r\n');
  const statusLine = lines[0] ?? '';
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
  if (!m) throw new Error(`not an HTTP status line: ${JSON.stringify(statusLine)}`);
  const headers: Array<[string, string]> = [];
  for (const l of lines.slice(1)) {
    if (l === '') continue;
    const i = l.indexOf(':');
    headers.push([l.slice(0, i), l.slice(i + 1).trim()]);
  }
  return {
    statusLine,
    status: Number(m[1]),
    headers,
    header: (name) => headers.find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1],
    raw,
  };
}

export class RawConn {
  private buf = Buffer.alloc(0);
  private ended = false;
  private error: Error | null = null;
  private waiters: Array<() => void> = [];
  /** Every byte received, for failure messages. */
  readonly received: Buffer[] = [];

  private constructor(
    readonly socket: net.Socket,
    readonly url: string,
  ) {
    socket.on('data', (d: Buffer) => {
      this.received.push(d);
      this.buf = Buffer.concat([this.buf, d]);
      this.wake();
    });
    socket.on('end', () => {
      this.ended = true;
      this.wake();
    });
    socket.on('close', () => {
      this.ended = true;
      this.wake();
    });
    socket.on('error', (e) => {
      this.error = e;
      this.ended = true;
      this.wake();
    });
  }

  static open(url: string, timeoutMs = 5000): Promise<RawConn> {
    const { host, port } = hostOf(url);
    return new Promise((resolve, reject) => {
      const s = net.connect({ host, port });
      const t = setTimeout(() => {
        s.destroy();
        reject(new Error(`connect to ${host}:${port} timed out`));
      }, timeoutMs);
      s.once('connect', () => {
        clearTimeout(t);
        s.setNoDelay(true);
        resolve(new RawConn(s, url));
      });
      s.once('error', (e) => {
        clearTimeout(t);
        reject(e);
      });
    });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Waits until `take` returns a value (it may consume from the buffer); fails on timeout or EOF. */
  private until<T>(what: string, take: () => T | undefined, timeoutMs: number): Promise<T> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((f) => f !== check);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; buffered ${JSON.stringify(this.buf.toString('utf8').slice(0, 400))}`));
      }, timeoutMs);
      const check = (): void => {
        let v: T | undefined;
        try {
          v = take();
        } catch (e) {
          clearTimeout(timer);
          reject(e);
          return;
        }
        if (v !== undefined) {
          clearTimeout(timer);
          resolve(v);
        } else if (this.ended) {
          clearTimeout(timer);
          reject(
            new Error(
              `connection closed while waiting for ${what}${this.error ? ` (${this.error.message})` : ''}; buffered ${JSON.stringify(this.buf.toString('utf8').slice(0, 400))}`,
            ),
          );
        } else this.waiters.push(check);
      };
      check();
    });
  }

  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  request(method: string, path: string, opts: RequestOptions = {}): void {
    this.write(requestBytes(this.url, method, path, opts));
  }

  /** Reads a response head (status line + headers). */
  head(timeoutMs = 5000): Promise<RawHead> {
    return this.until(
      'a response head',
      () => {
        const i = this.buf.indexOf(HEAD_END);
        if (i < 0) return undefined;
        const raw = this.buf.subarray(0, i + 4);
        this.buf = this.buf.subarray(i + 4);
        return parseHead(raw);
      },
      timeoutMs,
    );
  }

  /** Reads exactly n bytes. */
  bytes(n: number, timeoutMs = 5000): Promise<Buffer> {
    return this.until(
      `${n} bytes`,
      () => {
        if (this.buf.length < n) return undefined;
        const out = this.buf.subarray(0, n);
        this.buf = this.buf.subarray(n);
        return out;
      },
      timeoutMs,
    );
  }

  private owesCrlf = false;

  /** Reads one chunk of a chunked body; null = the terminating chunk (trailers consumed). */
  chunk(timeoutMs = 5000): Promise<Buffer | null> {
    return this.until(
      'a chunk',
      () => {
        // uWebSockets.js sends a chunk's closing CRLF with the next chunk
        // (`\r\n<size>\r\n<data>`): a chunk is complete once its data is in,
        // as browsers treat it; the CRLF is checked when the next one is read.
        if (this.owesCrlf) {
          if (this.buf.length < 2) return undefined;
          if (!this.buf.subarray(0, 2).equals(CRLF)) throw new Error('chunk not followed by CRLF');
          this.buf = this.buf.subarray(2);
          this.owesCrlf = false;
        }
        const i = this.buf.indexOf(CRLF);
        if (i < 0) return undefined;
        const sizeLine = this.buf.subarray(0, i).toString('latin1');
        if (!/^[0-9a-fA-F]+(;.*)?$/.test(sizeLine)) throw new Error(`bad chunk size line ${JSON.stringify(sizeLine)}`);
        const size = parseInt(sizeLine, 16);
        if (size === 0) {
          const end = this.buf.indexOf(HEAD_END, i);
          if (this.buf.subarray(i, i + 4).equals(HEAD_END)) {
            this.buf = this.buf.subarray(i + 4);
            return null;
          }
          if (end < 0) return undefined;
          this.buf = this.buf.subarray(end + 4);
          return null;
        }
        if (this.buf.length < i + 2 + size) return undefined;
        const data = this.buf.subarray(i + 2, i + 2 + size);
        this.buf = this.buf.subarray(i + 2 + size);
        this.owesCrlf = true;
        return data;
      },
      timeoutMs,
    );
  }

  /** Everything up to EOF. */
  rest(timeoutMs = 5000): Promise<Buffer> {
    return this.until(
      'EOF',
      () => {
        if (!this.ended) return undefined;
        const out = this.buf;
        this.buf = Buffer.alloc(0);
        return out;
      },
      timeoutMs,
    );
  }

  /** A full response: head + body (Content-Length, chunked, or until EOF). */
  async response(timeoutMs = 5000, opts: { method?: string } = {}): Promise<RawResponse> {
    const head = await this.head(timeoutMs);
    let body: Buffer;
    let chunks: Buffer[] | null = null;
    const te = head.header('transfer-encoding');
    const cl = head.header('content-length');
    if (opts.method === 'HEAD' || head.status === 101 || head.status === 204 || head.status === 304 || (head.status >= 100 && head.status < 200))
      body = Buffer.alloc(0);
    else if (te && /chunked/i.test(te)) {
      chunks = [];
      for (;;) {
        const c = await this.chunk(timeoutMs);
        if (c === null) break;
        chunks.push(c);
      }
      body = Buffer.concat(chunks);
    } else if (cl !== undefined) body = await this.bytes(Number(cl), timeoutMs);
    else body = await this.rest(timeoutMs);
    return { ...head, body, text: body.toString('utf8'), chunks };
  }

  /** True if the peer closes (FIN or reset) within timeoutMs, and what arrived unread before it. */
  async closed(timeoutMs = 5000): Promise<{ closed: boolean; unread: Buffer }> {
    try {
      const unread = await this.rest(timeoutMs);
      return { closed: true, unread };
    } catch {
      return { closed: false, unread: this.buf };
    }
  }

  get isEnded(): boolean {
    return this.ended;
  }

  close(): void {
    this.socket.destroy();
  }
}

/** One request on a fresh connection; the connection is closed after the response. */
export async function rawRequest(url: string, method: string, path: string, opts: RequestOptions & { timeoutMs?: number } = {}): Promise<RawResponse> {
  const c = await RawConn.open(url);
  try {
    c.request(method, path, opts);
    return await c.response(opts.timeoutMs ?? 5000, { method });
  } finally {
    c.close();
  }
}

/** Raw TCP: connect, send `data`, read until the peer closes. */
export async function rawExchange(host: string, port: number, data: string | Buffer, timeoutMs = 5000): Promise<{ received: Buffer; closed: boolean }> {
  const c = await RawConn.open(`http://${host}:${port}`);
  try {
    c.write(data);
    const r = await c.closed(timeoutMs);
    return { received: Buffer.concat(c.received), closed: r.closed };
  } finally {
    c.close();
  }
}
