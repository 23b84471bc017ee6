import type { EngineHandlers, MiddlewareTarget, RawResponse, WsConnection, WsUpgrade } from '../host/Host.js';
import { corsHeaders, preflightHeaders } from '../http/cors.js';
import { Exchange } from '../http/Exchange.js';
import type { RequestInfo } from '../http/RequestInfo.js';
import type { WsData } from './EngineSocket.js';
import { EngineErrorCode } from './errors.js';
import type { LegacyTransport } from './legacy/LegacyTransport.js';
import type { Sio06Transport } from './legacy/Sio06Transport.js';
import type { PollingTransport } from './PollingTransport.js';
import { exposeAdded, prepareRequest, runMiddlewares, type EngineMiddleware } from './middlewares.js';
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
  /** The engine's `use` list (the engine adds to it). */
  readonly #middlewares: readonly EngineMiddleware[];

  constructor(engine: EngineServices, transports: Transports, middlewares: readonly EngineMiddleware[]) {
    this.#engine = engine;
    this.#t = transports;
    this.#middlewares = middlewares;
  }

  request(res: RawResponse, info: RequestInfo, target?: () => MiddlewareTarget): void {
    const t = this.#targetFor(info, target);
    const ex = new Exchange(t?.raw ?? res);
    this.#handleHttp(ex, info, t).catch((err) => this.#engine.storeUnavailable(ex, err));
  }

  upgrade(res: RawResponse, info: RequestInfo, upgrade: WsUpgrade<WsData>, target?: () => MiddlewareTarget): void {
    const t = this.#targetFor(info, target);
    const ex = new Exchange(t?.raw ?? res);
    this.#handleUpgrade(ex, info, upgrade, t).catch((err) => this.#engine.storeUnavailable(ex, err));
  }

  /** The host's pair for the middlewares, made now (uWS's only lives in its handler); null when none run. */
  #targetFor(info: RequestInfo, target: (() => MiddlewareTarget) | undefined): MiddlewareTarget | null {
    if (this.#middlewares.length === 0 || !target) return null;
    // Requests under the path that no protocol claims (client bundles) are not engine requests.
    if (routeOf(this.#engine.options.path, info.path).kind === 'none') return null;
    return target();
  }

  /**
   * Runs the middlewares; true if the request goes on to the engine. One
   * that answers ends it; an error passed to `next` is answered as
   * engine.io answers it (400, "Bad request", code 3, context
   * MIDDLEWARE_FAILURE) with `connection_error`.
   */
  async #passMiddlewares(ex: Exchange, info: RequestInfo, t: MiddlewareTarget, upgrade: boolean): Promise<boolean> {
    prepareRequest(t, info, !upgrade);
    const before = new Set(Reflect.ownKeys(t.req));
    const outcome = await runMiddlewares(this.#middlewares, t);
    if (outcome.kind === 'answered') return false;
    if (outcome.kind === 'error') {
      const rejection = { code: EngineErrorCode.BAD_REQUEST, context: { name: 'MIDDLEWARE_FAILURE', error: outcome.error } };
      if (!upgrade) this.#engine.reject(ex, info, rejection);
      else ex.respond(400, 'text/html', this.#engine.rejected(info, rejection), undefined, true);
      return false;
    }
    if (!ex.open) return false;
    exposeAdded(t.req, before, info);
    return true;
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

  async #handleHttp(ex: Exchange, info: RequestInfo, t: MiddlewareTarget | null): Promise<void> {
    const engine = this.#engine;
    const route = routeOf(engine.options.path, info.path);
    if (route.kind === 'none' && this.#others.some((h) => h(ex, info))) return;
    await engine.ready;
    const legacy = (route.kind === 'legacy' && this.#t.legacy) || (route.kind === 'sio06' && this.#t.sio06);
    if (legacy && t && !(await this.#passMiddlewares(ex, info, t, false))) return;
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
    // engine.io's `cors` is its first middleware: preflights are answered above, before the user's.
    if (t && !(await this.#passMiddlewares(ex, info, t, false))) return;
    const added = engine.answerHeaders(info);
    if (added.length > 0) ex.headers = [...ex.headers, ...added];
    await this.#t.polling.handle(ex, info);
  }

  async #handleUpgrade(ex: Exchange, info: RequestInfo, ws: WsUpgrade<WsData>, t: MiddlewareTarget | null): Promise<void> {
    const engine = this.#engine;
    await engine.ready;
    const route = routeOf(engine.options.path, info.path);
    let upgrade = ws;
    if (t && route.kind !== 'none') {
      if (!(await this.#passMiddlewares(ex, info, t, true))) return;
      // The middlewares' headers (helmet's, a session cookie) go on the 101, as engine.io writes them.
      upgrade = { accept: (data, headers = []) => ws.accept(data, [...t.upgradeHeaders(), ...headers]) };
    }
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
