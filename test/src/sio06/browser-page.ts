/* eslint-disable @typescript-eslint/no-explicit-any -- the old clients' globals in the page (io, H, H6) are untyped */
/**
 * Driving the real Socket.IO 0.6.3 browser client (the socket.io.js bundled
 * in socket.io@0.6.18) in headless Chromium: Sio06Page is a Playwright page
 * with test/pages/sio06-harness.js (window.H6), a log of its network traffic
 * (requests with POST bodies, polling response bodies, WebSocket frames) and
 * typed wrappers of the harness calls. The generic parts (Chromium, the
 * static server, the server-side event log) come from the 0.9 suite's
 * browser-support.ts.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { PageTraffic, type NetEntry } from '../clients/page-traffic.js';

/** The Socket.IO 0.6.3 browser client as socket.io@0.6.18 ships it. */
export const SIO06_CLIENT_JS = createRequire(import.meta.url).resolve('socket.io-v06/support/socket.io-client/socket.io.js');
/** Where the worker fixture (and our static server) serve it. */
export const SIO06_CLIENT_PATH = '/sio06-client/socket.io.js';

export interface Sio06Event {
  name: string;
  args: unknown[];
  t: number;
}

export interface Sio06Info {
  type: string | null;
  ctorMatches: boolean;
  sessionid: string | null;
  connected: boolean;
  connecting: boolean;
  transportConnected: boolean;
  xdomain: boolean;
  /** The transport's session id at every 'connect' so far. */
  sids: string[];
  jsonpIndex: number | null;
  formAction: string | null;
}

export interface Sio06Heartbeat {
  socket: number;
  type: string;
  n: string;
  t: number;
}

export interface Sio06OpenOptions {
  host: string;
  port: number;
  transport: string;
  /** More io.Socket options (transportOptions, reconnect, ...). */
  options?: Record<string, unknown>;
}

/** GETs whose (complete) bodies are worth recording: polls. Streams never complete. */
const POLLING_GET = /\/socket\.io\/(xhr-polling|jsonp-polling)\//;

/** `data=<payload>` of a 0.6 POST, decoded (XHR: encodeURIComponent; jsonp: a form, `+` for space). */
export function postedPayload(e: NetEntry): string | null {
  if (e.kind !== 'request' || e.method !== 'POST' || e.body === undefined || !/\/socket\.io\//.test(e.url)) return null;
  if (!e.body.startsWith('data=')) return e.body;
  try {
    return decodeURIComponent(e.body.slice(5).replace(/\+/g, ' '));
  } catch {
    return e.body;
  }
}

/** A strict `~m~<len>~m~<msg>` decoder (lengths in UTF-16 code units); throws on anything else. */
export function frames(payload: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < payload.length) {
    const m = /^~m~(\d+)~m~/.exec(payload.slice(i));
    if (!m) throw new Error(`not a ~m~ frame at ${i}: ${JSON.stringify(payload.slice(i, i + 40))}`);
    const len = Number(m[1]);
    const start = i + m[0].length;
    if (start + len > payload.length)
      throw new Error(`frame of ${len} overruns the payload (${payload.length - start} left): ${JSON.stringify(payload.slice(0, 80))}`);
    out.push(payload.slice(start, start + len));
    i = start + len;
  }
  return out;
}

/** One browser context + page with the 0.6 harness loaded, and its traffic. */
export class Sio06Page {
  readonly net: NetEntry[];
  readonly problems: string[];
  readonly #traffic: PageTraffic;

  private constructor(
    readonly context: BrowserContext,
    readonly page: Page,
    readonly pageUrl: string,
  ) {
    this.#traffic = new PageTraffic(page, POLLING_GET);
    this.net = this.#traffic.net;
    this.problems = this.#traffic.problems;
  }

  static async open(browser: Browser, pageUrl: string): Promise<Sio06Page> {
    const context = await browser.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    const p = new Sio06Page(context, page, pageUrl);
    const res = await page.goto(pageUrl);
    assert.equal(res?.status(), 200, `loading ${pageUrl}`);
    // The client's XHR transports (io.util.defer) and the Flash shim wait for the load event.
    await page.waitForLoadState('load');
    const ok = await p.eval(
      () => typeof (globalThis as any).io === 'object' && (globalThis as any).io.version === '0.6.3' && typeof (globalThis as any).H6 === 'object',
    );
    assert.equal(ok, true, `socket.io client 0.6.3 and the harness loaded on ${pageUrl} (${p.problems.join('; ') || 'no page errors'})`);
    return p;
  }

  /** Network entries so far, once recorded polling bodies are in. */
  traffic(): Promise<NetEntry[]> {
    return this.#traffic.entries();
  }

  /** A short readable dump of the traffic, for failure messages. */
  dump(max = 60): Promise<string> {
    return this.#traffic.dump(max, /\/pages\/|\/sio06-client\//);
  }

  eval<T, A = undefined>(fn: (arg: A) => T | Promise<T>, arg?: A): Promise<T> {
    return this.page.evaluate<T, A>(fn as any, arg as A);
  }

  /** Calls H6[method](...args) in the page. */
  call<T>(method: string, ...args: unknown[]): Promise<T> {
    return this.page.evaluate(({ m, a }) => (globalThis as any).H6[m](...a), { m: method, a: args }) as Promise<T>;
  }

  openSocket(opts: Sio06OpenOptions): Promise<number> {
    return this.call<number>('open', opts);
  }
  info(id: number): Promise<Sio06Info> {
    return this.call('info', id);
  }
  events(id: number, since = 0): Promise<Sio06Event[]> {
    return this.call('events', id, since);
  }
  eventCount(id: number): Promise<number> {
    return this.events(id).then((e) => e.length);
  }
  waitFor(id: number, event: string, count = 1, timeoutMs = 8000, since = 0): Promise<Sio06Event[]> {
    return this.call('waitFor', id, event, count, timeoutMs, since);
  }
  waitAny(id: number, events: string[], timeoutMs = 8000, since = 0): Promise<Sio06Event> {
    return this.call('waitAny', id, events, timeoutMs, since);
  }
  /** socket.send(x) for every x, all in one turn of the page's event loop. */
  send(id: number, ...data: unknown[]): Promise<number> {
    return this.call('send', id, data);
  }
  disconnect(id: number): Promise<boolean> {
    return this.call('disconnect', id);
  }
  /** disconnect() once no POST is in flight (see the harness: a 0.6 client bug). */
  disconnectIdle(id: number): Promise<boolean> {
    return this.call('disconnectIdle', id);
  }
  reconnect(id: number): Promise<boolean> {
    return this.call('connect', id);
  }
  heartbeats(id: number): Promise<Sio06Heartbeat[]> {
    return this.call('heartbeatsOf', id);
  }
  /** The messages ('message' events) received from index `since` on. */
  async messages(id: number, since = 0): Promise<unknown[]> {
    return (await this.events(id, since)).filter((e) => e.name === 'message').map((e) => e.args[0]);
  }

  /** Opens a socket and waits for its 'connect'; fails with the page's events and traffic otherwise. */
  async connect(opts: Sio06OpenOptions, timeoutMs = 10_000): Promise<{ id: number; info: Sio06Info }> {
    const id = await this.openSocket(opts);
    const first = await this.waitAny(id, ['connect', 'connect_failed', 'disconnect', 'error'], timeoutMs).catch(async (err: Error) => {
      assert.fail(`${err.message}\ntraffic:\n${await this.dump()}`);
    });
    if (first.name !== 'connect') assert.fail(`expected connect, got ${JSON.stringify(first)}\ntraffic:\n${await this.dump()}`);
    return { id, info: await this.info(id) };
  }

  async close(): Promise<void> {
    await this.context.close().catch(() => undefined);
  }
}
