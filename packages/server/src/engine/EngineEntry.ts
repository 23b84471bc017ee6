import type { EngineHandlers, RawResponse, WsConnection, WsUpgrade } from '../host/Host.js';
import { corsHeaders, preflightHeaders } from '../http/cors.js';
import { Exchange } from '../http/Exchange.js';
import type { RequestInfo } from '../http/RequestInfo.js';
import type { WsData } from './EngineSocket.js';
import type { LegacyTransport } from './legacy/LegacyTransport.js';
import type { Sio06Transport } from './legacy/Sio06Transport.js';
import type { PollingTransport } from './PollingTransport.js';
import { routeOf } from './routes.js';
import type { EngineServices } from './services.js';
import type { WebSocketTransport } from './WebSocketTransport.js';

/**
 * Answers a request under the engine's path that no protocol claims (e.g.
 * socket.io's client bundles); true if it answered.
 */
export type PathHandler = (ex: Exchange, info: RequestInfo) => boolean;

export interface Transports {
  polling: PollingTransport;
  websocket: WebSocketTransport;
  /** Socket.IO 0.7–0.9 clients (null when `legacy: false`). */
  legacy: LegacyTransport | null;
  /** Socket.IO 0.6 clients (null when `sio06: false`). */
  sio06: Sio06Transport | null;
}

/**
 * Where the host hands the engine its requests and websockets: each goes
 * to the transport of the protocol generation its path speaks.
 */
export class EngineEntry implements EngineHandlers<WsData> {
  readonly #engine: EngineServices;
  readonly #t: Transports;
  readonly #others: PathHandler[] = [];

  constructor(engine: EngineServices, transports: Transports) {
    this.#engine = engine;
    this.#t = transports;
  }

  request(res: RawResponse, info: RequestInfo): void {
    const ex = new Exchange(res);
    this.#handleHttp(ex, info).catch((err) => this.#engine.storeUnavailable(ex, err));
  }

  upgrade(res: RawResponse, info: RequestInfo, upgrade: WsUpgrade<WsData>): void {
    const ex = new Exchange(res);
    this.#handleUpgrade(ex, info, upgrade).catch((err) => this.#engine.storeUnavailable(ex, err));
  }

  /** Adds a handler for requests under the path that no protocol claims. */
  serveOther(handler: PathHandler): void {
    this.#others.push(handler);
  }

  open(ws: WsConnection<WsData>): void {
    this.#t.websocket.open(ws);
  }

  message(ws: WsConnection<WsData>, frame: string | Uint8Array): void {
    this.#t.websocket.message(ws, frame);
  }

  close(ws: WsConnection<WsData>, code: number): void {
    this.#t.websocket.close(ws, code);
  }

  async #handleHttp(ex: Exchange, info: RequestInfo): Promise<void> {
    const engine = this.#engine;
    const route = routeOf(engine.options.path, info.path);
    if (route.kind === 'none' && this.#others.some((h) => h(ex, info))) return;
    await engine.ready;
    if (route.kind === 'legacy' && this.#t.legacy) return this.#t.legacy.handle(ex, info, route);
    if (route.kind === 'sio06' && this.#t.sio06) return this.#t.sio06.handle(ex, info, route);
    if (route.kind === 'none' || route.kind === 'sio06') {
      ex.respond(404, 'text/plain', 'Not Found');
      return;
    }
    const cors = engine.options.cors;
    if (cors) {
      const origin = info.headers['origin'];
      if (info.method === 'OPTIONS') {
        const h = await preflightHeaders(cors, origin, info.headers['access-control-request-headers']);
        if (h) {
          ex.headers = h;
          ex.respond(cors.optionsSuccessStatus ?? 204, null, '');
          return;
        }
      } else {
        const h = await corsHeaders(cors, origin);
        if (h) ex.headers = h;
      }
    }
    const added = engine.answerHeaders(info);
    if (added.length > 0) ex.headers = [...ex.headers, ...added];
    await this.#t.polling.handle(ex, info);
  }

  async #handleUpgrade(ex: Exchange, info: RequestInfo, upgrade: WsUpgrade<WsData>): Promise<void> {
    const engine = this.#engine;
    await engine.ready;
    const route = routeOf(engine.options.path, info.path);
    if (route.kind === 'legacy' && this.#t.legacy) return this.#t.legacy.upgrade(ex, info, upgrade, route);
    if (route.kind === 'sio06' && this.#t.sio06) return this.#t.sio06.upgrade(ex, info, upgrade, route);
    if (route.kind === 'none' || route.kind === 'sio06') {
      ex.respond(404, 'text/plain', 'Not Found', undefined, true);
      return;
    }
    ex.headers = engine.answerHeaders(info);
    await this.#t.websocket.upgrade(ex, info, upgrade);
  }
}
