import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import type { TemplatedApp, us_listen_socket, WebSocket } from 'uWebSockets.js';
import type { Uws } from '../../uws.js';

/** How long the carrier outlives its last upgrade, so a server does not reopen it per connection. */
const LINGER_MS = 2000;

/**
 * An idle websocket from this process to itself, whose cork lets a
 * websocket upgrade finished after uWS's upgrade handler returned (ours wait
 * for the store) run without uWS misreading the upgraded socket.
 *
 * Why: uWebSockets' `HttpResponse::cork` inspects the response's state after
 * its callback. When the callback upgraded the socket and the shrinking
 * realloc of the upgrade left it in place, that inspection reads the freed
 * remainder of the old HTTP state (malloc's bookkeeping) and, if a "connection
 * close" bit happens to be set there, shuts the new websocket down right after
 * its open handler (uNetworking/uWebSockets#1928, fixed upstream by #1929, not
 * in any build that runs on glibc 2.36). Upgrading outside `res.cork` is
 * correct, but uWebSockets.js then prints a warning for every upgrade.
 * `res.cork` while another socket holds the loop's cork only runs its
 * callback: no inspection, no warning (and `WebSocket::cork`, which the
 * carrier's is, inspects nothing).
 *
 * It is open only while upgrades use it (and `LINGER_MS` after), because
 * an open uWS socket keeps the process alive. Costs: a
 * loopback connection while open, the first upgrade after a quiet spell
 * waits for it to open, and the 101 is written in a few small writes
 * instead of one.
 */
export class CorkCarrier {
  readonly #uws: typeof Uws;
  readonly #lingerMs: number;
  /** `close` is in the binary but not in the typings of this build. */
  #app: (TemplatedApp & { close?(): void }) | null = null;
  #ws: WebSocket<unknown> | null = null;
  /** Our end of the open carrier. */
  #client: Socket | null = null;
  #attempt: Attempt | null = null;
  #opening: Promise<void> | null = null;
  #users = 0;
  #linger: NodeJS.Timeout | null = null;
  #closed = false;

  constructor(uws: typeof Uws, lingerMs = LINGER_MS) {
    this.#uws = uws;
    this.#lingerMs = lingerMs;
  }

  /**
   * One more user (an upgrade about to be finished; `release` once it is).
   * Null when the carrier is open (or closed for good); else settles once it
   * is open, or could not be.
   */
  acquire(): Promise<void> | null {
    this.#users++;
    if (this.#linger) clearTimeout(this.#linger);
    this.#linger = null;
    if (this.#ws || this.#closed) return null;
    this.#opening ??= new Promise<void>((resolve) => this.#open(resolve)).finally(() => (this.#opening = null));
    return this.#opening;
  }

  release(): void {
    if (--this.#users > 0 || this.#closed) return;
    this.#users = 0;
    this.#linger = setTimeout(() => this.#shut(), this.#lingerMs);
    this.#linger.unref();
  }

  /**
   * Runs `fn` while the carrier holds the loop's cork: a `res.cork` inside
   * then only runs its callback (uWS corks one socket at a time). False, and
   * `fn` not run, when the carrier is not open.
   */
  run(fn: () => void): boolean {
    if (!this.#ws) return false;
    this.#ws.cork(fn);
    return true;
  }

  /** For good: later users go without. */
  close(): void {
    this.#closed = true;
    if (this.#linger) clearTimeout(this.#linger);
    this.#linger = null;
    this.#shut();
    this.#app?.close?.();
    this.#app = null;
  }

  #open(resolve: () => void): void {
    const attempt: Attempt = { path: `/${randomBytes(16).toString('hex')}`, listenSocket: null, client: null, settled: false, settle: () => {} };
    attempt.settle = () => {
      if (attempt.settled) return;
      attempt.settled = true;
      if (this.#attempt === attempt) this.#attempt = null;
      this.#stopListening(attempt);
      resolve();
    };
    this.#attempt = attempt;
    this.#appOnce().listen('127.0.0.1', 0, (ls) => {
      if (!ls) return attempt.settle();
      attempt.listenSocket = ls;
      const client = connect(this.#uws.us_socket_local_port(ls), '127.0.0.1');
      attempt.client = client;
      client.setNoDelay(true);
      client.on('error', () => attempt.settle());
      client.on('close', () => attempt.settle());
      client.on('connect', () =>
        client.write(
          `GET ${attempt.path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
            `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
        ),
      );
      client.resume();
    });
  }

  #appOnce(): TemplatedApp & { close?(): void } {
    if (this.#app) return this.#app;
    const app = this.#uws.App();
    app.ws('/*', {
      idleTimeout: 0,
      sendPingsAutomatically: false,
      maxPayloadLength: 16,
      upgrade: (res, req, context) => {
        // Only the connection of the opening under way.
        const attempt = this.#attempt;
        if (!attempt || req.getUrl() !== attempt.path || this.#ws) return void res.close();
        res.upgrade({}, req.getHeader('sec-websocket-key'), '', '', context);
      },
      open: (ws) => {
        const attempt = this.#attempt;
        // Given up on meanwhile (`#shut`).
        if (!attempt) return void ws.close();
        this.#ws = ws;
        this.#client = attempt.client;
        attempt.settle();
      },
      close: (ws) => {
        if (this.#ws !== ws) return;
        // Closed by `#shut`, or lost (never on loopback, short of running out
        // of descriptors): the next upgrade opens another.
        this.#ws = null;
        this.#client?.destroy();
        this.#client = null;
      },
    });
    this.#app = app;
    return app;
  }

  #shut(): void {
    this.#linger = null;
    const attempt = this.#attempt;
    if (attempt) {
      attempt.client?.destroy();
      attempt.settle();
    }
    this.#client?.destroy();
    this.#client = null;
    const ws = this.#ws;
    this.#ws = null;
    ws?.close();
  }

  #stopListening(attempt: Attempt): void {
    if (attempt.listenSocket) this.#uws.us_listen_socket_close(attempt.listenSocket);
    attempt.listenSocket = null;
  }
}

/** One opening of the carrier: its secret path, listen socket and client. */
interface Attempt {
  path: string;
  listenSocket: us_listen_socket | null;
  client: Socket | null;
  settled: boolean;
  settle(): void;
}
