import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import WebSocket from 'ws';

export interface WsFrame {
  data: string;
  binary: boolean;
  at: number;
}

export interface Heartbeat {
  /** The frame as received (what an answer echoes). */
  data: string;
  at: number;
}

/**
 * A websocket test client for the legacy protocols, whose servers send
 * heartbeats the client must answer: it answers them (unless told not to),
 * keeps them apart from the other frames and hands those out in order.
 * What a heartbeat is and how it is answered depend on the generation, so
 * a subclass says (`heartbeat`).
 */
export abstract class HeartbeatWs<H extends Heartbeat> {
  /** Every frame (heartbeats included). */
  readonly all: WsFrame[] = [];
  /** Frames other than heartbeats, in order. */
  readonly frames: string[] = [];
  readonly heartbeats: H[] = [];
  readonly openedAt = Date.now();
  readonly closed: Promise<{ code: number; reason: string; at: number }>;
  isClosed = false;
  #cursor = 0;
  #waiters: Array<() => void> = [];

  protected constructor(
    readonly ws: WebSocket,
    readonly upgrade: IncomingMessage,
    public autoHeartbeat: boolean,
  ) {
    ws.on('message', (d, isBinary) => {
      const data = (Array.isArray(d) ? Buffer.concat(d) : Buffer.from(d as ArrayBuffer)).toString('utf8');
      const at = Date.now();
      this.all.push({ data, binary: isBinary, at });
      const hb = isBinary ? null : this.heartbeat(data, at);
      if (hb !== null) {
        this.heartbeats.push(hb);
        if (this.autoHeartbeat) ws.send(data);
      } else this.frames.push(isBinary ? `<binary>${data}` : data);
      this.#wake();
    });
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        this.isClosed = true;
        this.#wake();
        resolve({ code, reason: reason.toString(), at: Date.now() });
      });
    });
    ws.on('error', () => undefined);
  }

  /** The heartbeat a text frame is, or null. Both generations' clients answer one by echoing it. */
  protected abstract heartbeat(data: string, at: number): H | null;

  /**
   * Opens the websocket; a refusal rejects with its status, headers and
   * body. `make` runs in the upgrade event itself: the first frame can come
   * in the same read as the 101, before any later tick.
   */
  protected static connect<T>(url: string, path: string, origin: string | undefined, make: (ws: WebSocket, res: IncomingMessage) => T): Promise<T> {
    const wsUrl = url.replace(/^http/, 'ws') + path;
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(wsUrl, { perMessageDeflate: false, ...(origin ? { origin } : {}) });
      let done = false;
      ws.once('upgrade', (res) => {
        done = true;
        resolve(make(ws, res));
      });
      ws.once('unexpected-response', (_req, res) => {
        done = true;
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () =>
          reject(
            Object.assign(new Error(`websocket ${path}: HTTP ${res.statusCode} instead of 101: ${JSON.stringify(body)}`), {
              status: res.statusCode,
              body,
              headers: res.headers,
            }),
          ),
        );
        res.on('error', () => reject(new Error(`websocket ${path}: HTTP ${res.statusCode}`)));
      });
      ws.once('error', (e) => {
        if (!done) reject(e);
      });
    });
  }

  #wake(): void {
    const w = this.#waiters;
    this.#waiters = [];
    for (const f of w) f();
  }

  send(data: string): void {
    this.ws.send(data);
  }

  /** The next `n` frames other than heartbeats. */
  take(n: number, timeoutMs = 5000): Promise<string[]> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(
              `timed out waiting for ${n} frame(s); got since last read: ${JSON.stringify(this.frames.slice(this.#cursor))}; all: ${JSON.stringify(this.frames.slice(-8))}`,
            ),
          ),
        timeoutMs,
      );
      const check = (): void => {
        if (this.frames.length >= this.#cursor + n) {
          clearTimeout(timer);
          const out = this.frames.slice(this.#cursor, this.#cursor + n);
          this.#cursor += n;
          resolve(out);
        } else if (this.isClosed) {
          clearTimeout(timer);
          void this.closed.then((c) =>
            reject(
              new Error(
                `closed (${c.code} ${JSON.stringify(c.reason)}, ${c.at - this.openedAt} ms after opening) while waiting for ${n} frame(s); got ${JSON.stringify(this.frames.slice(this.#cursor))}`,
              ),
            ),
          );
        } else this.#waiters.push(check);
      };
      check();
    });
  }

  /** Sends each of `send` as one frame and asserts the next frames are exactly `expected` (text frames). */
  async exchange(send: string | string[] | null, expected: string[], timeoutMs = 5000): Promise<void> {
    for (const s of send === null ? [] : Array.isArray(send) ? send : [send]) this.send(s);
    assert.deepEqual(await this.take(expected.length, timeoutMs), expected, `after sending ${JSON.stringify(send)?.slice(0, 200)}`);
    this.assertText();
  }

  /** No frame so far was binary. */
  assertText(): void {
    assert.deepEqual(
      this.all.filter((f) => f.binary).map((f) => f.data),
      [],
      'every server frame must be a text frame',
    );
  }

  /** Waits until at least n heartbeats arrived. */
  async waitHeartbeats(n: number, timeoutMs: number): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (this.heartbeats.length < n) {
      assert.ok(Date.now() < end, `only ${this.heartbeats.length}/${n} heartbeats after ${timeoutMs} ms`);
      assert.ok(!this.isClosed, `closed after ${this.heartbeats.length} heartbeats`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** Asserts no further frames (other than heartbeats) beyond what was taken. */
  assertNoMore(): void {
    assert.deepEqual(this.frames.slice(this.#cursor), [], 'unexpected extra frames');
  }

  /** Resolves whether the connection closed within timeoutMs. */
  waitClosed(timeoutMs = 5000): Promise<boolean> {
    return Promise.race([this.closed.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), timeoutMs))]);
  }

  terminate(): void {
    this.ws.terminate();
  }
}
