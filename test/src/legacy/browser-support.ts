/* eslint-disable @typescript-eslint/no-explicit-any -- the old clients' globals in the page (io, H, H6) are untyped */
/**
 * Support for driving the real socket.io-client 0.9.16 in headless Chromium
 * (test/pages/legacy*.html + legacy-harness.js) against Nonstick:
 *
 * - a static HTTP server on a free 127.0.0.1 port serving the same pages and
 *   the client bundle as the worker fixture does, for cross-origin pages;
 * - LegacyPage: a Playwright page with the harness, a log of its network
 *   traffic (requests with POST bodies, polling response bodies, WebSocket
 *   frames) and typed wrappers of the harness calls;
 * - ServerLog: the JSON events every worker of a target reported.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { ChildEvent } from '../support/children.js';
import type { WorkerProcess } from '../fixtures/cluster.js';
import { freePort, isAddrInUse } from '../support/ports.js';
import { PageTraffic, type NetEntry } from '../clients/page-traffic.js';

export type { NetEntry };

export const CHROMIUM = process.env['NONSTICK_CHROMIUM'] ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];

const PAGES_DIR = fileURLToPath(new URL('../../../pages/', import.meta.url));
/** The socket.io-client 0.9.16 browser bundle (defines window.io). */
export const LEGACY_CLIENT_JS = createRequire(import.meta.url).resolve('socket.io-client-v09/dist/socket.io.js');

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------
// Static server (cross-origin pages)

export interface StaticServer {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/**
 * Serves /pages/<name> from test/pages/ and /legacy-client/socket.io.js, like the worker fixture;
 * `files` adds more exact paths (e.g. `{ '/sio06-client/socket.io.js': <file> }`).
 */
export async function startStaticServer(files: Record<string, string> = {}): Promise<StaticServer> {
  const types: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'application/javascript; charset=utf-8' };
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    let file: string | null = null;
    if (path === '/legacy-client/socket.io.js') file = LEGACY_CLIENT_JS;
    else if (Object.hasOwn(files, path)) file = files[path]!;
    else if (path.startsWith('/pages/') && /^[a-z0-9][a-z0-9._-]*$/i.test(path.slice(7))) file = PAGES_DIR + path.slice(7);
    let body: Buffer | null = null;
    try {
      body = file ? readFileSync(file) : null;
    } catch {
      body = null;
    }
    if (!body) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not Found');
      return;
    }
    res.writeHead(200, { 'Content-Type': types[path.slice(path.lastIndexOf('.'))] ?? 'application/octet-stream', 'Cache-Control': 'no-store' }).end(body);
  });
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, '127.0.0.1', () => {
          server.off('error', reject);
          resolve();
        });
      });
      return {
        port,
        url: `http://127.0.0.1:${port}`,
        stop: () =>
          new Promise<void>((resolve) => {
            server.closeAllConnections();
            server.close(() => resolve());
          }),
      };
    } catch (err) {
      if (!isAddrInUse(err) || attempt >= 5) throw err;
    }
  }
}

// ---------------------------------------------------------------------------
// Server-side events

/** The JSON events (connection, message, disconnect, report, ...) of every worker of a target. */
export class ServerLog {
  constructor(readonly workers: WorkerProcess[]) {}

  all(name: string): ChildEvent[] {
    return this.workers.flatMap((w) => w.events(name));
  }

  find(name: string, filter: (e: ChildEvent) => boolean = () => true): ChildEvent | undefined {
    return this.all(name).find(filter);
  }

  /** Waits until some worker reported a matching event; fails with what was reported. */
  async waitFor(name: string, filter: (e: ChildEvent) => boolean, timeoutMs = 8000, what = name): Promise<ChildEvent> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const e = this.find(name, filter);
      if (e) return e;
      const dead = this.workers.find((w) => w.child.exited);
      if (dead) assert.fail(`${what}: worker ${dead.workerId} exited\n${dead.child.tail()}`);
      if (Date.now() > end)
        assert.fail(`${what}: no such "${name}" event within ${timeoutMs} ms; "${name}" events: ${JSON.stringify(this.all(name)).slice(-3000)}`);
      await sleep(25);
    }
  }

  /** The Socket.IO socket ids (`socket.id`) the server gave a legacy session (by its sid), per namespace. */
  async socketId(sid: string, nsp: string, timeoutMs = 8000): Promise<string> {
    const e = await this.waitFor('connection', (c) => c['sid'] === sid && c['nsp'] === nsp, timeoutMs, `connection of ${sid} on ${nsp}`);
    return String(e['id']);
  }
}

// ---------------------------------------------------------------------------
// Pages

export interface EventRecord {
  name: string;
  args: unknown[];
  t: number;
}

export interface SocketInfo {
  sessionid: string | null;
  transport: string | null;
  connected: boolean;
  open: boolean;
  xdomain: boolean;
  transports: string[] | null;
  heartbeatTimeout: number;
  closeTimeout: number;
}

export interface OpenOptions {
  url: string;
  transport?: string;
  query?: string;
  forceNew?: boolean;
  hasCORS?: boolean;
  options?: Record<string, unknown>;
}

const POLLING_GET = /\/socket\.io\/1\/(xhr-polling|jsonp-polling)\/[^/?]+/;

/** One browser context + page with the harness loaded, and its traffic. */
export class LegacyPage {
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

  static async open(browser: Browser, pageUrl: string): Promise<LegacyPage> {
    const context = await browser.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    const lp = new LegacyPage(context, page, pageUrl);
    const res = await page.goto(pageUrl);
    assert.equal(res?.status(), 200, `loading ${pageUrl}`);
    const ok = await lp.eval(
      () => typeof (globalThis as any).io === 'object' && (globalThis as any).io.version === '0.9.16' && typeof (globalThis as any).H === 'object',
    );
    assert.equal(ok, true, `socket.io 0.9.16 and the harness loaded on ${pageUrl} (${lp.problems.join('; ') || 'no page errors'})`);
    return lp;
  }

  /** Network entries so far, once recorded polling bodies are in. */
  traffic(): Promise<NetEntry[]> {
    return this.#traffic.entries();
  }

  /** A short readable dump of the traffic, for failure messages. */
  dump(max = 60): Promise<string> {
    return this.#traffic.dump(max);
  }

  eval<T, A = undefined>(fn: (arg: A) => T | Promise<T>, arg?: A): Promise<T> {
    return this.page.evaluate<T, A>(fn as any, arg as A);
  }

  /** Calls H[method](...args) in the page. */
  call<T>(method: string, ...args: unknown[]): Promise<T> {
    return this.page.evaluate(({ m, a }) => (globalThis as any).H[m](...a), { m: method, a: args }) as Promise<T>;
  }

  openSocket(opts: OpenOptions): Promise<number> {
    return this.call<number>('open', opts);
  }
  of(id: number, nsp: string): Promise<string> {
    return this.call('of', id, nsp);
  }
  info(id: number): Promise<SocketInfo> {
    return this.call('info', id);
  }
  events(id: number, nsp = '', since = 0): Promise<EventRecord[]> {
    return this.call('events', id, nsp, since);
  }
  waitFor(id: number, nsp: string, event: string, count = 1, timeoutMs = 8000, since = 0): Promise<EventRecord[]> {
    return this.call('waitFor', id, nsp, event, count, timeoutMs, since);
  }
  waitAny(id: number, nsp: string, events: string[], timeoutMs = 8000, since = 0): Promise<EventRecord> {
    return this.call('waitAny', id, nsp, events, timeoutMs, since);
  }
  emitAck(id: number, nsp: string, event: string, args: unknown[], timeoutMs = 8000): Promise<unknown[]> {
    return this.call('emitAck', id, nsp, event, args, timeoutMs);
  }
  emit(id: number, nsp: string, event: string, args: unknown[]): Promise<boolean> {
    return this.call('emit', id, nsp, event, args);
  }
  burst(id: number, nsp: string, event: string, list: unknown[][], timeoutMs = 8000): Promise<Array<{ index: number; args: unknown[] }>> {
    return this.call('burst', id, nsp, event, list, timeoutMs);
  }
  send(id: number, nsp: string, data: unknown, opts: { json?: boolean; ack?: boolean; timeoutMs?: number } = {}): Promise<unknown[] | null> {
    return this.call('send', id, nsp, data, !!opts.json, !!opts.ack, opts.timeoutMs ?? 8000);
  }
  answer(id: number, nsp: string, event: string, value: unknown): Promise<boolean> {
    return this.call('answer', id, nsp, event, value);
  }
  disconnect(id: number, nsp = ''): Promise<boolean> {
    return this.call('disconnect', id, nsp);
  }
  heartbeats(): Promise<number> {
    return this.eval(() => (globalThis as any).H.heartbeats as number);
  }

  /** Connects and waits for 'connect' on the main namespace; fails with the page's events and traffic otherwise. */
  async connect(opts: OpenOptions, timeoutMs = 10_000): Promise<{ id: number; info: SocketInfo }> {
    const id = await this.openSocket(opts);
    const first = await this.waitAny(id, '', ['connect', 'connect_failed', 'error', 'disconnect'], timeoutMs).catch(async (err: Error) => {
      assert.fail(`${err.message}\ntraffic:\n${await this.dump()}`);
    });
    if (first.name !== 'connect') assert.fail(`expected connect, got ${JSON.stringify(first)}\ntraffic:\n${await this.dump()}`);
    return { id, info: await this.info(id) };
  }

  async close(): Promise<void> {
    await this.context.close().catch(() => undefined);
  }
}

// ---------------------------------------------------------------------------
// Flash policy

/** Connects to host:port, sends `<policy-file-request/>\0`, resolves with all bytes until the server closes. */
export function requestFlashPolicy(port: number, host = '127.0.0.1', timeoutMs = 5000): Promise<{ data: Buffer; closedByServer: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const sock = connect({ host, port });
    const timer = setTimeout(() => {
      sock.destroy();
      reject(
        new Error(
          `flash policy ${host}:${port}: the server did not close the connection within ${timeoutMs} ms; got ${JSON.stringify(Buffer.concat(chunks).toString('latin1'))}`,
        ),
      );
    }, timeoutMs);
    sock.on('connect', () => sock.write('<policy-file-request/>\0'));
    sock.on('data', (c: Buffer) => chunks.push(c));
    sock.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    sock.on('end', () => {
      clearTimeout(timer);
      sock.end();
      resolve({ data: Buffer.concat(chunks), closedByServer: true });
    });
  });
}
