import type { HttpRequest, HttpResponse, TemplatedApp, us_listen_socket, us_socket_context_t, WebSocket } from 'uWebSockets.js';
import { loadUws, type Uws } from '../../uws.js';
import type { HeaderList } from '../../http/cors.js';
import type { EngineHandlers, Host, RouteHandler, WsLimits, WsUpgrade } from '../Host.js';
import { shimTarget } from '../shimTarget.js';
import { middlewareRequest, snapshotRequest } from './snapshot.js';
import { CorkCarrier } from './CorkCarrier.js';
import { UwsConnection, type UwsSlot } from './UwsConnection.js';
import { UwsResponse } from './UwsResponse.js';

export interface UwsHostOptions {
  /** Run on uWebSockets.js's slow JS fallback instead of refusing (see `loadUws`). */
  allowFallback?: boolean;
}

/**
 * The uWebSockets.js host. `new UwsHost()` owns its app and listen socket;
 * `UwsHost.attach(app)` only registers routes on a user's app, whose
 * listening and closing stay the user's (`close` then closes only the
 * websockets this host accepted).
 */
export class UwsHost implements Host {
  readonly kind = 'uws' as const;
  readonly #uws: typeof Uws;
  readonly #app: TemplatedApp;
  readonly #owned: boolean;
  readonly #conns = new Set<UwsConnection<unknown>>();
  #listenSocket: us_listen_socket | null = null;
  /** What this host's late upgrades run under; opens only when one needs it. */
  readonly #carrier: CorkCarrier;

  constructor(options: UwsHostOptions = {}, app?: TemplatedApp) {
    this.#uws = loadUws(options.allowFallback);
    this.#owned = app === undefined;
    this.#app = app ?? this.#uws.App();
    this.#carrier = new CorkCarrier(this.#uws);
  }

  /** A host on the user's own uWS app. */
  static attach(app: TemplatedApp, options: UwsHostOptions = {}): UwsHost {
    return new UwsHost(options, app);
  }

  /** The uWS app routes are registered on. */
  get app(): TemplatedApp {
    return this.#app;
  }

  mount<T>(path: string, handlers: EngineHandlers<T>, limits: WsLimits): void {
    const pattern = `${path}/*`;
    const carrier = this.#carrier;
    this.#app.any(pattern, (res, req) => {
      const info = snapshotRequest(req, res);
      const raw = UwsResponse.forRequest(res, req);
      // The body is read at once when middlewares run: uWS hands each chunk over only as it arrives.
      handlers.request(raw, info, () => shimTarget(middlewareRequest(info), raw, info.method === 'POST'));
    });
    this.#app.ws<UwsSlot<T>>(pattern, {
      compression: limits.perMessageDeflate ? this.#uws.SHARED_COMPRESSOR : this.#uws.DISABLED,
      // uWS drops an oversize message's connection without a close frame;
      // taking up to twice the limit lets us close with 1009 as ws does.
      maxPayloadLength: limits.maxPayloadLength * 2,
      maxBackpressure: limits.maxBackpressure,
      // Dropping a frame would silently break the session's ordering; closing
      // lets the client reconnect (and recover, at the Socket.IO layer).
      closeOnBackpressureLimit: 1,
      // Engine.IO has its own heartbeats.
      idleTimeout: 0,
      sendPingsAutomatically: false,
      upgrade: (res, req, context) => onUpgrade(handlers, carrier, res, req, context),
      open: (ws) => handlers.open(this.#opened(ws)),
      message: (ws, message, isBinary) => {
        if (message.byteLength > limits.maxPayloadLength) return ws.end(1009, 'Max payload size exceeded');
        // uWS reuses `message` after we return: text is decoded (copied) now, binary copied.
        const frame = isBinary ? new Uint8Array(message.slice(0)) : Buffer.from(message).toString('utf8');
        handlers.message(ws.getUserData().conn!, frame);
      },
      close: (ws, code) => {
        const conn = ws.getUserData().conn!;
        conn.markClosed();
        this.#conns.delete(conn);
        handlers.close(conn, code);
      },
    });
  }

  route(path: string, handler: RouteHandler): void {
    this.#app.get(path, (res, req) => handler(UwsResponse.forRequest(res, req), snapshotRequest(req, res)));
  }

  listen(port: number, host: string): Promise<number> {
    if (!this.#owned) return Promise.reject(new Error('UwsHost.attach(app): the app is listened on by its owner'));
    this.#app.any('/*', (res, req) => UwsResponse.forRequest(res, req).send(404, [], 'Not Found', false));
    const uws = this.#uws;
    // The typings lack the (host, port, options, cb) form the binary has.
    // eslint-disable-next-line @typescript-eslint/unbound-method -- called with the app as `this` below
    const listen = this.#app.listen as unknown as (host: string, port: number, options: number, cb: (ls: us_listen_socket | false) => void) => void;
    return new Promise((resolve, reject) => {
      // Exclusive: a second process on a used port must fail, not share it.
      listen.call(this.#app, host, port, exclusivePort(uws), (ls) => {
        if (!ls) return reject(new Error(`cannot listen on ${host}:${port}`));
        this.#listenSocket = ls;
        resolve(uws.us_socket_local_port(ls));
      });
    });
  }

  async close(): Promise<void> {
    this.#carrier.close();
    if (this.#listenSocket) this.#uws.us_listen_socket_close(this.#listenSocket);
    this.#listenSocket = null;
    if (this.#owned) (this.#app as TemplatedApp & { close?(): void }).close?.();
    else for (const conn of [...this.#conns]) conn.end(1001);
    this.#conns.clear();
  }

  #opened<T>(ws: WebSocket<UwsSlot<T>>): UwsConnection<T> {
    const slot = ws.getUserData();
    const conn = new UwsConnection(ws, slot.data);
    slot.conn = conn;
    this.#conns.add(conn);
    return conn;
  }
}

function onUpgrade<T>(handlers: EngineHandlers<T>, carrier: CorkCarrier, res: HttpResponse, req: HttpRequest, context: us_socket_context_t): void {
  const info = snapshotRequest(req, res);
  const key = req.getHeader('sec-websocket-key');
  const protocol = req.getHeader('sec-websocket-protocol');
  const extensions = req.getHeader('sec-websocket-extensions');
  const raw = UwsResponse.forRequest(res, req, true);
  const upgradeWith = (slot: UwsSlot<T>, headers: HeaderList): void => {
    // A header written before the status makes uWS answer 200; with the
    // 101 status line first, `upgrade` adds its own headers after ours
    // (what engine.io's uServer does for its middlewares' headers).
    if (headers.length > 0) {
      res.writeStatus('101 Switching Protocols');
      for (const [name, value] of headers) res.writeHeader(name, value);
    }
    res.upgrade(slot, key, protocol, extensions, context);
  };
  // Later than the handler, `res.cork` (which uWS.js wants around the writes)
  // must find another socket corked, or it misreads the upgraded socket (see
  // CorkCarrier); without the carrier, uncorked is correct and only warns.
  const upgradeLate = (slot: UwsSlot<T>, headers: HeaderList): void => {
    try {
      if (!carrier.run(() => res.cork(() => upgradeWith(slot, headers)))) upgradeWith(slot, headers);
    } finally {
      carrier.release();
    }
  };
  let inHandler = true;
  const upgrade: WsUpgrade<T> = {
    accept(data: T, headers: HeaderList = []): boolean | Promise<boolean> {
      if (!raw.writable) return false;
      raw.finish();
      const slot: UwsSlot<T> = { data, conn: null };
      if (inHandler) {
        // uWS has the socket corked and follows the upgrade itself.
        upgradeWith(slot, headers);
        return true;
      }
      const opening = carrier.acquire();
      if (!opening) {
        upgradeLate(slot, headers);
        return true;
      }
      return opening.then(() => {
        if (raw.aborted) {
          carrier.release();
          return false;
        }
        upgradeLate(slot, headers);
        return true;
      });
    },
  };
  try {
    handlers.upgrade(raw, info, upgrade, () => shimTarget(middlewareRequest(info), raw, false));
  } finally {
    inHandler = false;
  }
}

/** uWS's LIBUS_LISTEN_EXCLUSIVE_PORT (the JS fallback lacks the export; node:net listens exclusively anyway). */
function exclusivePort(uws: typeof Uws): number {
  return (uws as unknown as { LIBUS_LISTEN_EXCLUSIVE_PORT?: number }).LIBUS_LISTEN_EXCLUSIVE_PORT ?? 1;
}
