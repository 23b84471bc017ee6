/**
 * Legacy Socket.IO (protocol revision 1, socket.io 0.9) helpers for the raw
 * wire tests: the exact packets of WIRE-EXAMPLES.md, U+FFFD payload framing
 * (lengths in UTF-16 code units), the handshake, polling sessions over raw
 * HTTP, a websocket client on the `ws` package that answers `2::` like the
 * 0.9.16 client, an htmlfile stream reader, and waits on worker events.
 */
import assert from 'node:assert/strict';
import { HeartbeatWs, type Heartbeat } from '../clients/heartbeat-ws.js';
import type { ChildEvent } from '../support/children.js';
import type { Target } from '../engine/targets.js';
import { waitUntil } from '../support/wait.js';
import { RawConn, rawRequest, type RawHead, type RawResponse } from './raw-http.js';

export const ORIGIN = 'http://127.0.0.1:41899';

/**
 * `--cors-origin` for suites whose pages or requests come from other
 * loopback origins (and `null`): the legacy protocols answer credentialed
 * CORS only for listed origins.
 */
export const LOOPBACK_ORIGINS = ['--cors-origin', String.raw`/^http:\/\/127\.0\.0\.1(:\d+)?$/,null`];
export const TEXT = 'héllo wörld ✓ 中文 😀';
/** Same as the capture: `Content-type` with a lower-case t, no space. */
export const POST_CT = 'text/plain;charset=UTF-8';
export const SID_RE = /^[A-Za-z0-9_-]{20,}$/;

export const welcome = (nsp = ''): string => `5::${nsp}:${JSON.stringify({ name: 'welcome', args: [{ nsp, text: TEXT }] })}`;
export const ECHO_ACK = '5:1+::{"name":"echo","args":["a",{"b":[1,2,{"c":null}]},3.5,true,null]}';
export const ECHO_ACK_REPLY = '6:::1+["a",{"b":[1,2,{"c":null}]},3.5,true,null]';
export const ECHO_NOACK = '5:::{"name":"echo","args":["no-ack",42]}';
export const PLAIN = '3:::plain: ünïcødé ✓ 😀 : colons :: and\nnewline';
export const JSON_PKT = '4:::{"a":[1,"2",{"c":null}],"u":"é😀"}';
/** §4.2's form body, exactly as captured (the urlencoded JSON string of JSON_PKT). */
export const FORM_JSON =
  'd=%224%3A%3A%3A%7B%5C%22a%5C%22%3A%5B1%2C%5C%222%5C%22%2C%7B%5C%22c%5C%22%3Anull%7D%5D%2C%5C%22u%5C%22%3A%5C%22%C3%A9%F0%9F%98%80%5C%22%7D%22';

const burstText = (i: number): string => `é中😀\ufffd:${'x'.repeat(60 * i)}`;
/** `5:<id>+::{"name":"echo","args":["burst",i,"é中😀\ufffd:x…(60·i)",{"k":"a:b::c"}]}` */
export const burst = (i: number, id = 3 + i): string => `5:${id}+::${JSON.stringify({ name: 'echo', args: ['burst', i, burstText(i), { k: 'a:b::c' }] })}`;
/** The server's ack for burst(i, id). */
export const burstAck = (i: number, id = 3 + i): string => `6:::${id}+${JSON.stringify(['burst', i, burstText(i), { k: 'a:b::c' }])}`;

/** U+FFFD framing of several packets (length = UTF-16 code units, i.e. String#length). */
export const frame = (packets: string[]): string => packets.map((p) => `\ufffd${p.length}\ufffd${p}`).join('');

/** A payload as packets: framed if it starts with U+FFFD, otherwise one packet. */
export function decodePayload(data: string): string[] {
  if (data === '') return [];
  if (data[0] !== '\ufffd') return [data];
  const out: string[] = [];
  let i = 0;
  while (i < data.length) {
    assert.equal(data[i], '\ufffd', `framing: expected U+FFFD at ${i} in ${JSON.stringify(data)}`);
    const j = data.indexOf('\ufffd', i + 1);
    assert.ok(j > i, `framing: no closing U+FFFD after ${i} in ${JSON.stringify(data)}`);
    const len = Number(data.slice(i + 1, j));
    assert.ok(Number.isInteger(len) && len >= 0, `framing: bad length ${JSON.stringify(data.slice(i + 1, j))}`);
    out.push(data.slice(j + 1, j + 1 + len));
    i = j + 1 + len;
  }
  assert.equal(i, data.length, `framing overran: ${JSON.stringify(data)}`);
  return out;
}

/** `io.j[N]("...");` → [N, payload]. */
export function unwrapJsonp(body: string): [number, string] {
  const m = /^io\.j\[(\d+)\]\(("(?:[^"\\]|\\.)*")\);$/s.exec(body);
  assert.ok(m, `not a JSONP wrapper: ${JSON.stringify(body)}`);
  return [Number(m[1]), JSON.parse(m[2]!) as string];
}
export const jsonp = (i: number, payload: string): string => `io.j[${i}](${JSON.stringify(payload)});`;

export const PRELUDE = `<html><body><script>var _ = function (msg) { parent.s._(msg, document); };</script>${' '.repeat(173)}`;
export const script = (payload: string): string => `<script>_(${JSON.stringify(payload).replace(/\//g, '\\/')});</script>`;

export const t = (): string => `t=${Date.now()}`;

export interface Handshake {
  sid: string;
  heartbeat: string;
  close: string;
  transports: string;
  res: RawResponse;
}

export function parseHandshake(body: string): Omit<Handshake, 'res'> {
  const m = /^([^:]+):([^:]*):([^:]*):([^:]*)$/.exec(body);
  assert.ok(m, `handshake body ${JSON.stringify(body)}`);
  assert.match(m[1]!, SID_RE, 'session id');
  return { sid: m[1]!, heartbeat: m[2]!, close: m[3]!, transports: m[4]! };
}

export async function handshake(url: string, opts: { origin?: string; method?: string } = {}): Promise<Handshake> {
  const res = await rawRequest(url, opts.method ?? 'GET', `/socket.io/1/?${t()}`, { headers: opts.origin ? { Origin: opts.origin } : {} });
  assert.equal(res.status, 200, `handshake: ${res.statusLine} ${res.text}`);
  return { ...parseHandshake(res.text), res };
}

/** Asserts the named headers: a string = exact value, null = absent. */
export function assertHeaders(res: RawHead, expected: Record<string, string | null>, what = ''): void {
  for (const [name, value] of Object.entries(expected)) {
    const got = res.header(name);
    const all = res.headers.map(([k, v]) => `${k}: ${v}`).join(' | ');
    if (value === null) assert.equal(got, undefined, `${what} header ${name} must be absent; headers: ${all}`);
    else assert.equal(got, value, `${what} header ${name}; headers: ${all}`);
  }
}

/** A polling session (xhr-polling or jsonp-polling) over raw HTTP, one connection per request. */
export class Polling {
  constructor(
    readonly url: string,
    readonly sid: string,
    readonly transport: 'xhr-polling' | 'jsonp-polling' | 'htmlfile' = 'xhr-polling',
    readonly opts: { origin?: string; index?: number } = {},
  ) {}

  path(extra = ''): string {
    return `/socket.io/1/${this.transport}/${this.sid}?${t()}${this.opts.index !== undefined ? `&i=${this.opts.index}` : ''}${extra}`;
  }

  private headers(extra: Record<string, string> = {}, origin = this.opts.origin): Record<string, string> {
    return { ...(origin ? { Origin: origin } : {}), ...extra };
  }

  get(opts: { origin?: string | null; timeoutMs?: number } = {}): Promise<RawResponse> {
    const origin = opts.origin === null ? undefined : (opts.origin ?? this.opts.origin);
    return rawRequest(this.url, 'GET', this.path(), { headers: this.headers({}, origin), timeoutMs: opts.timeoutMs ?? 8000 });
  }

  /** Starts a GET on its own connection and leaves it pending. */
  async startGet(timeoutMs = 8000): Promise<{ conn: RawConn; response: Promise<RawResponse> }> {
    const conn = await RawConn.open(this.url);
    conn.request('GET', this.path(), { headers: this.headers() });
    const response = conn.response(timeoutMs).finally(() => conn.close());
    response.catch(() => undefined);
    return { conn, response };
  }

  post(body: string | Buffer, opts: { contentType?: string; origin?: string | null } = {}): Promise<RawResponse> {
    const origin = opts.origin === null ? undefined : (opts.origin ?? this.opts.origin);
    return rawRequest(this.url, 'POST', this.path(), { headers: this.headers({ 'Content-type': opts.contentType ?? POST_CT }, origin), body });
  }

  /** The payload of a GET body (unwrapping JSONP). */
  payloadOf(res: RawResponse): string {
    return this.transport === 'jsonp-polling' ? unwrapJsonp(res.text)[1] : res.text;
  }

  /** GETs until `n` packets other than `8::` arrived; returns them and every body. */
  async collect(n: number, maxPolls = 12): Promise<{ packets: string[]; bodies: RawResponse[] }> {
    const packets: string[] = [];
    const bodies: RawResponse[] = [];
    for (let i = 0; packets.length < n; i++) {
      assert.ok(i < maxPolls, `only ${packets.length}/${n} packets after ${maxPolls} polls: ${JSON.stringify(packets)}`);
      const r = await this.get();
      assert.equal(r.status, 200, `poll: ${r.statusLine} ${r.text}`);
      bodies.push(r);
      for (const p of decodePayload(this.payloadOf(r))) if (p !== '8::') packets.push(p);
    }
    return { packets, bodies };
  }
}

/** A protocol 1 websocket: `2::` heartbeats, answered with `2::`. */
export class LegacyWs extends HeartbeatWs<Heartbeat> {
  static open(url: string, path: string, opts: { origin?: string; autoHeartbeat?: boolean } = {}): Promise<LegacyWs> {
    return HeartbeatWs.connect(url, path, opts.origin, (ws, res) => new LegacyWs(ws, res, opts.autoHeartbeat ?? true));
  }

  protected heartbeat(data: string, at: number): Heartbeat | null {
    return data === '2::' ? { data, at } : null;
  }
}

/** An htmlfile GET stream read in the background; `2::` are answered by POST unless disabled. */
export class HtmlfileStream {
  readonly chunks: Buffer[] = [];
  /** Every `<script>_(...);</script>` unit after the prelude, in order (heartbeats included). */
  readonly units: string[] = [];
  /** Units other than the heartbeat one. */
  readonly frames: string[] = [];
  readonly heartbeats: number[] = [];
  ended = false;
  failure: Error | null = null;
  junk: string | null = null;
  private parsedTo = 256;
  private cursor = 0;
  private waiters: Array<() => void> = [];

  private constructor(
    readonly conn: RawConn,
    readonly head: RawHead,
    readonly session: Polling,
    public autoHeartbeat: boolean,
  ) {
    void this.pump();
  }

  static async open(url: string, sid: string, opts: { autoHeartbeat?: boolean; path?: string } = {}): Promise<HtmlfileStream> {
    const session = new Polling(url, sid, 'htmlfile');
    const conn = await RawConn.open(url);
    conn.request('GET', opts.path ?? session.path());
    const head = await conn.head(5000);
    return new HtmlfileStream(conn, head, session, opts.autoHeartbeat ?? true);
  }

  private async pump(): Promise<void> {
    try {
      if (!/chunked/i.test(this.head.header('transfer-encoding') ?? '')) {
        // Not chunked: keep the raw bytes so the assertions show what came.
        this.chunks.push(await this.conn.rest(60_000));
        this.ended = true;
        this.parse();
        return;
      }
      for (;;) {
        const c = await this.conn.chunk(120_000);
        if (c === null) {
          this.ended = true;
          break;
        }
        this.chunks.push(c);
        this.parse();
      }
    } catch (e) {
      this.failure = e as Error;
    } finally {
      this.wake();
    }
  }

  /** The dechunked stream so far. */
  get text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }

  get prelude(): string {
    return Buffer.concat(this.chunks).subarray(0, 256).toString('utf8');
  }

  private parse(): void {
    const all = Buffer.concat(this.chunks);
    if (all.length < 256) return this.wake();
    const text = all.subarray(this.parsedTo).toString('utf8');
    let pos = 0;
    while (pos < text.length && this.junk === null) {
      if (!text.startsWith('<script>_(', pos)) {
        if ('<script>_('.startsWith(text.slice(pos))) break;
        this.junk = text.slice(pos);
        break;
      }
      const end = text.indexOf(');</script>', pos);
      if (end < 0) break;
      const unit = text.slice(pos, end + ');</script>'.length);
      pos = end + ');</script>'.length;
      this.units.push(unit);
      if (unit === script('2::')) {
        this.heartbeats.push(Date.now());
        if (this.autoHeartbeat) void this.session.post('2::').catch(() => undefined);
      } else this.frames.push(unit);
    }
    this.parsedTo += Buffer.byteLength(text.slice(0, pos));
    this.wake();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** The next `n` units other than heartbeats. */
  take(n: number, timeoutMs = 5000): Promise<string[]> {
    return new Promise((resolve, reject) => {
      const fail = (why: string): void =>
        reject(
          new Error(
            `${why} waiting for ${n} script chunk(s); got ${JSON.stringify(this.frames.slice(this.cursor))}; junk ${JSON.stringify(this.junk)}; stream ${JSON.stringify(this.text.slice(256).slice(-600))}`,
          ),
        );
      const timer = setTimeout(() => fail('timed out'), timeoutMs);
      const check = (): void => {
        if (this.frames.length >= this.cursor + n) {
          clearTimeout(timer);
          const out = this.frames.slice(this.cursor, this.cursor + n);
          this.cursor += n;
          resolve(out);
        } else if (this.junk !== null || this.ended || this.failure) {
          clearTimeout(timer);
          fail(this.junk !== null ? 'junk in stream' : this.ended ? 'stream ended' : `read failed (${this.failure?.message})`);
        } else this.waiters.push(check);
      };
      check();
    });
  }

  async expect(expected: string[], timeoutMs = 5000): Promise<void> {
    assert.deepEqual(await this.take(expected.length, timeoutMs), expected);
  }

  /** Waits for the terminating chunk. */
  async waitEnded(timeoutMs = 5000): Promise<boolean> {
    const end = Date.now() + timeoutMs;
    while (!this.ended && !this.failure && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    return this.ended;
  }

  close(): void {
    this.conn.close();
  }
}

/** Event marks of every worker of a target (to wait only for later events). */
export const marks = (target: Target): number[] => target.workers.map((w) => w.mark());

/** The first event `name` matching `filter` on any worker of the target, after `since`. */
export async function waitAny(target: Target, name: string, filter: (e: ChildEvent) => boolean, since: number[], timeoutMs = 8000): Promise<ChildEvent> {
  try {
    return await Promise.any(target.workers.map((w, i) => w.waitFor(name, filter, { since: since[i] ?? 0, timeoutMs })));
  } catch {
    const seen = target.workers.flatMap((w, i) => w.events(name).map((e) => ({ w: i, ...e })));
    throw new Error(`no matching '${name}' event on any worker within ${timeoutMs} ms; '${name}' events seen: ${JSON.stringify(seen.slice(-6))}`);
  }
}

/**
 * Waits until a long-poll of session `sid` is parked on one of the target's
 * workers (registered as the session's waiter), so that what the test does
 * next is answered into that poll. Asks the fixture's `/test/polls-waiting`.
 */
export async function pollParked(target: Target, sid: string): Promise<void> {
  const waiting = async (url: string): Promise<number> => Number((await rawRequest(url, 'GET', `/test/polls-waiting?sid=${encodeURIComponent(sid)}`)).text);
  await waitUntil(async () => (await Promise.all(target.workers.map((w) => waiting(w.url)))).some((n) => n > 0), `a parked poll of ${sid}`, 8000);
}

/** Every worker process is still running. */
export function assertAlive(target: Target): void {
  for (const w of target.workers) assert.equal(w.child.exited, false, `worker ${w.workerId} must still run; its output: ${w.child.tail(20)}`);
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
