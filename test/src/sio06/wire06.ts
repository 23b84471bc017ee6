/**
 * Socket.IO 0.6 (`~m~` framing) helpers for the raw wire tests: the exact
 * messages and bodies of /work/shared/legacy/WIRE-EXAMPLES-06.md, an
 * independent strict `~m~` codec (lengths in UTF-16 code units), polling
 * sessions over raw HTTP (one TCP connection per request), htmlfile and
 * xhr-multipart stream readers that answer `~h~<n>` heartbeats by POST, a
 * websocket client on the `ws` package that echoes heartbeats like the
 * 0.6.3 client, and a raw RFC 6455 client over node:net for frame bytes.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { HeartbeatWs, type Heartbeat } from '../clients/heartbeat-ws.js';
import type { Target } from '../engine/targets.js';
import { RawConn, rawRequest, type RawHead, type RawResponse } from '../legacy/raw-http.js';

export { assertAlive, assertHeaders, LOOPBACK_ORIGINS, marks, pollParked, sleep, waitAny } from '../legacy/legacy-wire.js';

export const ORIGIN = 'http://127.0.0.1:33641';
/** Nonstick session ids (0.6 used 15–18 decimal digits). */
export const SID_RE = /^[A-Za-z0-9_-]{20}$/;
/** The XHR transports' POST content type, as the 0.6.3 client sends it (capture §3.1). */
export const XHR_CT = 'application/x-www-form-urlencoded; charset=UTF-8';
/** The jsonp form's content type (capture §6.1). */
export const FORM_CT = 'application/x-www-form-urlencoded';

// ---- the messages of the capture ----------------------------------------------------------

export const HELLO = 'hello from the 0.6 client: héllo 中文 😀';
export const JSON_MSG = '~j~{"s":"héllo 😀","n":42,"f":1.5,"b":true,"z":null,"a":[1,"two",{"three":3}],"nested":{"k":"v:~m~3~m~"}}';
export const BURST = [
  'burst 0 plain ascii',
  'burst 1 héllo wörld ✓ 中文 Жз',
  'burst 2 astral 😀🎉𝄞 (2 UTF-16 units each)',
  'burst 3 ~m~5~m~fake frame ~j~{} ~h~1 inside',
  `burst 4 & = + % ? # / \\ " ' ; : , ${'x'.repeat(300)} énd`,
];
export const AFTER_IDLE = 'after idle';

/** Client → server frames exactly as captured (§1). */
export const HELLO_FRAME = '~m~38~m~hello from the 0.6 client: héllo 中文 😀';
export const JSON_FRAME = '~m~105~m~~j~{"s":"héllo 😀","n":42,"f":1.5,"b":true,"z":null,"a":[1,"two",{"three":3}],"nested":{"k":"v:~m~3~m~"}}';
/** Server → client frames exactly as captured (§1). */
export const WELCOME = '~m~7~m~welcome';
export const HELLO_ECHO = '~m~43~m~echo:hello from the 0.6 client: héllo 中文 😀';
export const JSON_ECHO = '~m~114~m~~j~{"echo":{"s":"héllo 😀","n":42,"f":1.5,"b":true,"z":null,"a":[1,"two",{"three":3}],"nested":{"k":"v:~m~3~m~"}}}';
export const BURST_ECHO = [
  '~m~24~m~echo:burst 0 plain ascii',
  '~m~32~m~echo:burst 1 héllo wörld ✓ 中文 Жз',
  '~m~48~m~echo:burst 2 astral 😀🎉𝄞 (2 UTF-16 units each)',
  '~m~48~m~echo:burst 3 ~m~5~m~fake frame ~j~{} ~h~1 inside',
  `~m~343~m~echo:burst 4 & = + % ? # / \\ " ' ; : , ${'x'.repeat(300)} énd`,
];
export const AFTER_IDLE_ECHO = '~m~15~m~echo:after idle';

/** POST bodies exactly as captured. */
export const HELLO_XHR_BODY = 'data=~m~38~m~hello%20from%20the%200.6%20client%3A%20h%C3%A9llo%20%E4%B8%AD%E6%96%87%20%F0%9F%98%80';
export const HELLO_FORM_BODY = 'data=%7Em%7E38%7Em%7Ehello+from+the+0.6+client%3A+h%C3%A9llo+%E4%B8%AD%E6%96%87+%F0%9F%98%80';
/** §5.1: bursts 1–4 batched in one XHR body (666 bytes). */
export const BURST_XHR_BODY =
  "data=~m~27~m~burst%201%20h%C3%A9llo%20w%C3%B6rld%20%E2%9C%93%20%E4%B8%AD%E6%96%87%20%D0%96%D0%B7~m~43~m~burst%202%20astral%20%F0%9F%98%80%F0%9F%8E%89%F0%9D%84%9E%20(2%20UTF-16%20units%20each)~m~43~m~burst%203%20~m~5~m~fake%20frame%20~j~%7B%7D%20~h~1%20inside~m~338~m~burst%204%20%26%20%3D%20%2B%20%25%20%3F%20%23%20%2F%20%5C%20%22%20'%20%3B%20%3A%20%2C%20" +
  'x'.repeat(300) +
  '%20%C3%A9nd';
/** §6.1 */
export const AFTER_IDLE_FORM_BODY = 'data=%7Em%7E10%7Em%7Eafter+idle';

// ---- an independent, strict ~m~ codec ----------------------------------------------------

/** `~m~<UTF-16 length>~m~<message>` */
export const frame = (message: string): string => `~m~${message.length}~m~${message}`;
export const payload = (messages: string[]): string => messages.map(frame).join('');

/** Strict decoder: every frame exact, nothing left over. */
export function decode(data: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < data.length) {
    assert.equal(data.slice(i, i + 3), '~m~', `framing: expected ~m~ at ${i} in ${JSON.stringify(data.slice(0, 200))}`);
    const m = /^(\d+)~m~/.exec(data.slice(i + 3, i + 20));
    assert.ok(m, `framing: bad length at ${i + 3} in ${JSON.stringify(data.slice(0, 200))}`);
    const len = Number(m[1]);
    const start = i + 3 + m[0].length;
    assert.ok(start + len <= data.length, `framing: length ${len} overruns ${JSON.stringify(data.slice(0, 200))}`);
    out.push(data.slice(start, start + len));
    i = start + len;
  }
  return out;
}

/** A payload as whole frames (each frame string `~m~N~m~msg`). */
export const framesOf = (data: string): string[] => decode(data).map(frame);

/** `~m~4~m~~h~1` → 1; null for anything else. */
export function heartbeatOf(framed: string): number | null {
  const m = /^~m~(\d+)~m~~h~(\d+)$/.exec(framed);
  if (!m || Number(m[1]) !== m[2]!.length + 3) return null;
  return Number(m[2]);
}
export const heartbeat = (n: number): string => frame(`~h~${n}`);

/** The XHR transports' body: `data=` + encodeURIComponent (so `~` stays literal). */
export const xhrBody = (p: string): string => `data=${encodeURIComponent(p)}`;
/** The jsonp form's body: browser form encoding (`+` for space, `%7E` for `~`). */
export const formBody = (p: string): string => new URLSearchParams({ data: p }).toString();

export const ts = (): number => Date.now();

/** Asserts the session-id message and returns the sid. */
export function sidOf(framed: string, what = 'first message'): string {
  const m = /^~m~20~m~(.*)$/s.exec(framed);
  assert.ok(m, `${what}: expected ~m~20~m~<sid>, got ${JSON.stringify(framed.slice(0, 80))}`);
  assert.match(m[1]!, SID_RE, `${what}: session id`);
  return m[1]!;
}

// ---- htmlfile / jsonp wrappers -------------------------------------------------------------

export const HTMLFILE_PRELUDE = '<html><body>' + ' '.repeat(244);
/** `<script>parent.s._(<JSON>, document);</script>`, `<` as \u003c (documented). */
export const htmlScript = (p: string): string => `<script>parent.s._(${JSON.stringify(p).replace(/</g, '\\u003c')}, document);</script>`;
export const jsonpBody = (i: number, p: string): string => `io.JSONP[${i}]._(${JSON.stringify(p)});`;
export function unwrapJsonp(body: string): [number, string] {
  const m = /^io\.JSONP\[(\d+)\]\._\(("(?:[^"\\]|\\.)*")\);$/s.exec(body);
  assert.ok(m, `not a 0.6 JSONP answer: ${JSON.stringify(body.slice(0, 200))}`);
  return [Number(m[1]), JSON.parse(m[2]!) as string];
}
export const MULTIPART_CT = 'multipart/x-mixed-replace;boundary="socketio"';
export const MULTIPART_PRELUDE = '--socketio\n';
export const multipartPart = (p: string): string => `Content-Type: text/plain\n\n${p}\n--socketio\n`;

// ---- polling sessions over raw HTTP ---------------------------------------------------------

export type PollingTransport = 'xhr-polling' | 'jsonp-polling';
export type StreamTransport = 'htmlfile' | 'xhr-multipart';

export interface PollingOptions {
  origin?: string;
  /** jsonp-polling slot. */
  index?: number;
  cookie?: string;
}

/** A 0.6 polling session: GET /socket.io/<t>/<sid>/<ts>[/<i>], POST …/<sid>/send (jsonp: …/<sid>/<ts0>/<i>). */
export class Poll06 {
  readonly ts0 = ts();
  constructor(
    readonly url: string,
    readonly sid: string,
    readonly transport: PollingTransport,
    readonly opts: PollingOptions = {},
  ) {}

  getPath(): string {
    return `/socket.io/${this.transport}/${this.sid}/${ts()}${this.transport === 'jsonp-polling' ? `/${this.opts.index ?? 0}` : ''}`;
  }

  postPath(): string {
    return this.transport === 'jsonp-polling'
      ? `/socket.io/jsonp-polling/${this.sid}/${this.ts0}/${this.opts.index ?? 0}`
      : `/socket.io/${this.transport}/${this.sid}/send`;
  }

  headers(origin: string | undefined): Record<string, string> {
    return { ...(origin ? { Origin: origin } : {}), ...(this.opts.cookie ? { Cookie: this.opts.cookie } : {}) };
  }

  get(timeoutMs = 8000): Promise<RawResponse> {
    return rawRequest(this.url, 'GET', this.getPath(), { headers: this.headers(this.opts.origin), timeoutMs });
  }

  /** Starts a GET on its own connection and leaves it pending. */
  async startGet(timeoutMs = 8000): Promise<{ conn: RawConn; response: Promise<RawResponse> }> {
    const conn = await RawConn.open(this.url);
    conn.request('GET', this.getPath(), { headers: this.headers(this.opts.origin) });
    const response = conn.response(timeoutMs).finally(() => conn.close());
    response.catch(() => undefined);
    return { conn, response };
  }

  /** POSTs a form body (default content type: the XHR one, or the form one on jsonp). */
  post(body: string, opts: { contentType?: string; origin?: string | null } = {}): Promise<RawResponse> {
    const ct = opts.contentType ?? (this.transport === 'jsonp-polling' ? FORM_CT : XHR_CT);
    const origin = opts.origin === null ? undefined : (opts.origin ?? this.opts.origin);
    return rawRequest(this.url, 'POST', this.postPath(), { headers: { ...this.headers(origin), 'Content-type': ct }, body });
  }

  payloadOf(res: RawResponse): string {
    return this.transport === 'jsonp-polling' ? unwrapJsonp(res.text)[1] : res.text;
  }

  /** GETs until `n` frames arrived; returns them and every response. */
  async collect(n: number, maxPolls = 10): Promise<{ frames: string[]; bodies: RawResponse[] }> {
    const frames: string[] = [];
    const bodies: RawResponse[] = [];
    for (let i = 0; frames.length < n; i++) {
      assert.ok(i < maxPolls, `only ${frames.length}/${n} messages after ${maxPolls} polls: ${JSON.stringify(frames)}`);
      const r = await this.get();
      assert.equal(r.status, 200, `poll: ${r.statusLine} ${JSON.stringify(r.text)}`);
      bodies.push(r);
      frames.push(...framesOf(this.payloadOf(r)));
    }
    return { frames, bodies };
  }
}

/** The path that opens a new session on a transport (what the 0.6.3 client requests). */
export function newSessionPath(transport: PollingTransport | StreamTransport, index = 0): string {
  switch (transport) {
    case 'xhr-polling':
      return `/socket.io/xhr-polling//${ts()}`;
    case 'jsonp-polling':
      return `/socket.io/jsonp-polling//${ts()}/${index}`;
    case 'htmlfile':
      return `/socket.io/htmlfile//${ts()}`;
    case 'xhr-multipart':
      return '/socket.io/xhr-multipart/';
  }
}

/** New polling session: GET 1 = exactly the sid, GET 2 = exactly the welcome. */
export async function openPolling(
  url: string,
  transport: PollingTransport,
  opts: PollingOptions = {},
): Promise<{ s: Poll06; first: RawResponse; second: RawResponse }> {
  const first = await rawRequest(url, 'GET', newSessionPath(transport, opts.index ?? 0), {
    headers: { ...(opts.origin ? { Origin: opts.origin } : {}), ...(opts.cookie ? { Cookie: opts.cookie } : {}) },
  });
  assert.equal(first.status, 200, `new ${transport} session: ${first.statusLine} ${JSON.stringify(first.text)}`);
  const p = transport === 'jsonp-polling' ? unwrapJsonp(first.text)[1] : first.text;
  const sid = sidOf(p, `${transport} GET 1`);
  assert.equal(p, frame(sid), `${transport} GET 1: only the session id`);
  const s = new Poll06(url, sid, transport, opts);
  const second = await s.get();
  assert.equal(second.status, 200, `${transport} GET 2: ${second.statusLine}`);
  assert.equal(s.payloadOf(second), WELCOME, `${transport} GET 2`);
  return { s, first, second };
}

// ---- htmlfile / xhr-multipart streams -------------------------------------------------------

/** A streaming GET read in the background; heartbeats are answered by POST unless disabled. */
export class Stream06 {
  readonly chunks: Buffer[] = [];
  /** Every payload after the prelude, in order (heartbeats included). */
  readonly payloads: string[] = [];
  /** When each payload arrived. */
  readonly payloadAt: number[] = [];
  /** Payloads other than heartbeats. */
  readonly frames: string[] = [];
  readonly heartbeats: Array<{ n: number; at: number }> = [];
  readonly answers: Promise<RawResponse>[] = [];
  readonly openedAt = Date.now();
  ended = false;
  endedAt = 0;
  failure: Error | null = null;
  junk: string | null = null;
  sid = '';
  private parsed = 0;
  private cursor = 0;
  private waiters: Array<() => void> = [];

  private constructor(
    readonly url: string,
    readonly transport: StreamTransport,
    readonly conn: RawConn,
    readonly head: RawHead,
    public autoHeartbeat: boolean,
    readonly origin: string | undefined,
  ) {
    void this.pump();
  }

  static async open(url: string, transport: StreamTransport, opts: { autoHeartbeat?: boolean; origin?: string; path?: string } = {}): Promise<Stream06> {
    const conn = await RawConn.open(url);
    conn.request('GET', opts.path ?? newSessionPath(transport), { headers: opts.origin ? { Origin: opts.origin } : {} });
    const head = await conn.head(5000);
    return new Stream06(url, transport, conn, head, opts.autoHeartbeat ?? true, opts.origin);
  }

  get prelude(): string {
    return this.transport === 'htmlfile' ? HTMLFILE_PRELUDE : MULTIPART_PRELUDE;
  }

  /** The POST path of this session. */
  postPath(): string {
    return `/socket.io/${this.transport}/${this.sid}/send`;
  }

  post(body: string, opts: { origin?: string | null } = {}): Promise<RawResponse> {
    const origin = opts.origin === null ? undefined : (opts.origin ?? this.origin);
    return rawRequest(this.url, 'POST', this.postPath(), { headers: { ...(origin ? { Origin: origin } : {}), 'Content-type': XHR_CT }, body });
  }

  private async pump(): Promise<void> {
    try {
      if (!/chunked/i.test(this.head.header('transfer-encoding') ?? '')) {
        this.chunks.push(await this.conn.rest(60_000));
        this.parse();
        return;
      }
      for (;;) {
        const c = await this.conn.chunk(60_000);
        if (c === null) break;
        this.chunks.push(c);
        this.parse();
      }
    } catch (e) {
      this.failure = e as Error;
    } finally {
      this.ended = true;
      this.endedAt = Date.now();
      this.wake();
    }
  }

  /** The de-chunked stream so far. */
  get bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }

  get text(): string {
    return this.bytes.toString('utf8');
  }

  private parse(): void {
    const all = this.bytes;
    const pre = Buffer.byteLength(this.prelude);
    if (all.length < pre) return this.wake();
    if (this.parsed === 0) {
      const got = all.subarray(0, pre).toString('utf8');
      if (got !== this.prelude) {
        this.junk = `bad prelude ${JSON.stringify(got.slice(0, 80))}`;
        return this.wake();
      }
      this.parsed = pre;
    }
    const text = all.subarray(this.parsed).toString('utf8');
    let pos = 0;
    while (pos < text.length && this.junk === null) {
      const unit = this.transport === 'htmlfile' ? this.htmlUnit(text, pos) : this.multipartUnit(text, pos);
      if (unit === null) break;
      pos = unit.end;
      this.payloads.push(unit.payload);
      this.payloadAt.push(Date.now());
      this.onPayload(unit.payload);
    }
    this.parsed += Buffer.byteLength(text.slice(0, pos));
    this.wake();
  }

  private htmlUnit(text: string, pos: number): { payload: string; end: number } | null {
    const open = '<script>parent.s._(';
    const close = ', document);</script>';
    if (!text.startsWith(open, pos)) {
      if (!open.startsWith(text.slice(pos))) this.junk = text.slice(pos, pos + 200);
      return null;
    }
    const end = text.indexOf(close, pos);
    if (end < 0) return null;
    const literal = text.slice(pos + open.length, end);
    let p: string;
    try {
      p = JSON.parse(literal) as string;
    } catch {
      this.junk = `not a JSON string literal: ${literal.slice(0, 200)}`;
      return null;
    }
    if (text.slice(pos, end + close.length) !== htmlScript(p)) {
      this.junk = `script not in the expected form: ${text.slice(pos, end + close.length).slice(0, 200)}`;
      return null;
    }
    return { payload: p, end: end + close.length };
  }

  private multipartUnit(text: string, pos: number): { payload: string; end: number } | null {
    const head = 'Content-Type: text/plain\n\n';
    const tail = '\n--socketio\n';
    if (!text.startsWith(head, pos)) {
      if (!head.startsWith(text.slice(pos))) this.junk = text.slice(pos, pos + 200);
      return null;
    }
    const end = text.indexOf(tail, pos + head.length);
    if (end < 0) return null;
    return { payload: text.slice(pos + head.length, end), end: end + tail.length };
  }

  private onPayload(p: string): void {
    if (this.sid === '' && this.payloads.length === 1) {
      const m = /^~m~20~m~([A-Za-z0-9_-]{20})$/.exec(p);
      if (m) this.sid = m[1]!;
    }
    const n = heartbeatOf(p);
    if (n !== null) {
      this.heartbeats.push({ n, at: Date.now() });
      if (this.autoHeartbeat) {
        const r = this.post(`data=${p}`);
        r.catch(() => undefined);
        this.answers.push(r);
      }
    } else this.frames.push(p);
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** The next `n` payloads other than heartbeats. */
  take(n: number, timeoutMs = 5000): Promise<string[]> {
    return new Promise((resolve, reject) => {
      const fail = (why: string): void =>
        reject(
          new Error(
            `${this.transport}: ${why} waiting for ${n} message(s); got ${JSON.stringify(this.frames.slice(this.cursor))}; junk ${JSON.stringify(this.junk)}; failure ${this.failure?.message}; stream tail ${JSON.stringify(this.text.slice(-400))}`,
          ),
        );
      const timer = setTimeout(() => fail('timed out'), timeoutMs);
      const check = (): void => {
        if (this.frames.length >= this.cursor + n) {
          clearTimeout(timer);
          const out = this.frames.slice(this.cursor, this.cursor + n);
          this.cursor += n;
          resolve(out);
        } else if (this.junk !== null || this.ended) {
          clearTimeout(timer);
          fail(this.junk !== null ? 'junk in stream' : 'stream ended');
        } else this.waiters.push(check);
      };
      check();
    });
  }

  async expect(expected: string[], timeoutMs = 5000): Promise<void> {
    assert.deepEqual(await this.take(expected.length, timeoutMs), expected, `${this.transport} messages`);
  }

  async waitHeartbeats(n: number, timeoutMs: number): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (this.heartbeats.length < n) {
      assert.ok(Date.now() < end, `${this.transport}: only ${this.heartbeats.length}/${n} heartbeats after ${timeoutMs} ms`);
      assert.ok(
        !this.ended,
        `${this.transport}: the stream ended after ${this.heartbeats.length} heartbeats (${this.endedAt - this.openedAt} ms after it opened)`,
      );
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** Waits for the end of the stream (terminating chunk / EOF). */
  async waitEnded(timeoutMs = 5000): Promise<boolean> {
    const end = Date.now() + timeoutMs;
    while (!this.ended && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    return this.ended;
  }

  /** The whole expected stream for the payloads seen so far. */
  expectedText(): string {
    return this.prelude + this.payloads.map((p) => (this.transport === 'htmlfile' ? htmlScript(p) : multipartPart(p))).join('');
  }

  close(): void {
    this.conn.close();
  }
}

// ---- websocket / flashsocket over the ws package --------------------------------------------

/** A 0.6 websocket: numbered `~h~` heartbeats, answered by echoing them. */
export class Ws06 extends HeartbeatWs<Heartbeat & { n: number }> {
  static open(url: string, path: string, opts: { origin?: string; autoHeartbeat?: boolean } = {}): Promise<Ws06> {
    return HeartbeatWs.connect(url, path, opts.origin, (ws, res) => new Ws06(ws, res, opts.autoHeartbeat ?? true));
  }

  get sid(): string {
    return sidOf(this.frames[0] ?? '', 'websocket first frame');
  }

  protected heartbeat(data: string, at: number): (Heartbeat & { n: number }) | null {
    const n = heartbeatOf(data);
    return n === null ? null : { n, data, at };
  }
}

// ---- a raw RFC 6455 client (frame header bytes) ---------------------------------------------

export interface RawFrame {
  /** The header bytes as sent (without the payload). */
  header: Buffer;
  fin: boolean;
  opcode: number;
  masked: boolean;
  payload: Buffer;
}

/** RFC 6455 over a RawConn: the 101 head, then frames read byte by byte. */
export class RawWs {
  private constructor(
    readonly conn: RawConn,
    readonly head: RawHead,
    readonly key: string,
  ) {}

  static async open(url: string, path: string, headers: Array<[string, string]> = []): Promise<RawWs> {
    const conn = await RawConn.open(url);
    const key = randomBytes(16).toString('base64');
    conn.request('GET', path, {
      connection: 'Upgrade',
      headers: [['Upgrade', 'websocket'], ['Sec-WebSocket-Version', '13'], ['Sec-WebSocket-Key', key], ...headers],
    });
    const head = await conn.head(5000);
    return new RawWs(conn, head, key);
  }

  /** The Sec-WebSocket-Accept the key requires. */
  get expectedAccept(): string {
    return createHash('sha1')
      .update(this.key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11')
      .digest('base64');
  }

  async frame(timeoutMs = 5000): Promise<RawFrame> {
    const h = await this.conn.bytes(2, timeoutMs);
    const masked = (h[1]! & 0x80) !== 0;
    let len = h[1]! & 0x7f;
    let ext: Buffer = Buffer.alloc(0);
    if (len === 126) {
      ext = await this.conn.bytes(2, timeoutMs);
      len = ext.readUInt16BE(0);
    } else if (len === 127) {
      ext = await this.conn.bytes(8, timeoutMs);
      len = Number(ext.readBigUInt64BE(0));
    }
    const mask = masked ? await this.conn.bytes(4, timeoutMs) : Buffer.alloc(0);
    const payload = Buffer.from(await this.conn.bytes(len, timeoutMs));
    if (masked) for (let i = 0; i < payload.length; i++) payload[i]! ^= mask[i % 4]!;
    return { header: Buffer.concat([h, ext, mask]), fin: (h[0]! & 0x80) !== 0, opcode: h[0]! & 0x0f, masked, payload };
  }

  /** Next frame that is not a heartbeat (heartbeats are echoed). */
  async message(timeoutMs = 5000): Promise<RawFrame> {
    for (;;) {
      const f = await this.frame(timeoutMs);
      if (f.opcode === 1 && heartbeatOf(f.payload.toString('utf8')) !== null) {
        this.send(f.payload.toString('utf8'));
        continue;
      }
      return f;
    }
  }

  /** A masked client frame. */
  send(data: string | Buffer, opcode = 1): void {
    const body = Buffer.isBuffer(data) ? data : Buffer.from(data, 'utf8');
    const mask = randomBytes(4);
    const len = body.length;
    const head =
      len < 126
        ? Buffer.from([0x80 | opcode, 0x80 | len])
        : len < 65536
          ? Buffer.from([0x80 | opcode, 0x80 | 126, len >> 8, len & 0xff])
          : (() => {
              throw new Error('frame too long');
            })();
    const masked = Buffer.from(body);
    for (let i = 0; i < masked.length; i++) masked[i]! ^= mask[i % 4]!;
    this.conn.write(Buffer.concat([head, mask, masked]));
  }

  close(): void {
    this.conn.close();
  }
}

/** The expected unmasked server text frame header for a payload of `n` bytes. */
export function textHeader(n: number): Buffer {
  return n < 126 ? Buffer.from([0x81, n]) : Buffer.from([0x81, 0x7e, n >> 8, n & 0xff]);
}

/** What a target's workers reported as policy ports. */
export function policyPorts(target: Target): number[] {
  return target.workers.map((w) => {
    const listening = w.events('listening')[0] as Record<string, unknown> | undefined;
    const port = listening?.['policyPort'];
    assert.ok(typeof port === 'number' && port > 0, `worker ${w.workerId} reports policyPort: ${JSON.stringify(listening)}`);
    return port;
  });
}
