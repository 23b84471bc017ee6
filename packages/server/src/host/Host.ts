/**
 * What the engine needs from the network, and nothing more. Two hosts
 * implement it: uWebSockets.js (`UwsHost`, the hot path where a native build
 * loads) and node:http + `ws` (`NodeHost`, everywhere else and when attached
 * to a user's http/https/Express/Fastify server). The engine, every
 * transport of every generation, the store and the Socket.IO layer see only
 * these types, so they run unchanged on either.
 *
 * Rules both hosts guarantee, so transports need not know which one runs:
 * - request heads are snapshots (`RequestInfo`), valid after any `await`;
 * - inbound websocket frames are copies the engine may keep;
 * - `onAborted` fires at most once, and only before the answer is finished;
 * - writes made outside the request handler's synchronous part are corked
 *   by the host (one syscall per answer where the host can).
 */
import type { HeaderList } from '../http/cors.js';
import type { RequestInfo } from '../http/RequestInfo.js';

export type HostKind = 'uws' | 'node';

/**
 * One HTTP response in flight, as the host writes it. `Exchange` wraps it
 * with the engine's bookkeeping (abort, done, headers added to every answer);
 * transports talk to `Exchange`, not to this.
 */
export interface RawResponse {
  /**
   * Writes a whole answer: status line, headers, body. `closeConnection`
   * ends the connection after it and says so (`Connection: close`), so a
   * keep-alive client never reuses a socket the server is closing.
   */
  send(status: number, headers: HeaderList, body: string | Uint8Array, closeConnection: boolean): void;
  /** Starts an answer that stays open (chunked): status, headers and a first chunk. */
  startStream(status: number, headers: HeaderList, first: string): void;
  /** One more chunk of a started stream. */
  writeChunk(chunk: string): void;
  /** Ends a started stream, after an optional last chunk. */
  endStream(last?: string): void;
  /** Drops the connection without an answer. */
  destroy(): void;
  /** Called once if the client goes away before the answer is finished. */
  onAborted(cb: () => void): void;
  /**
   * Delivers the request body chunk by chunk (copies the caller may keep).
   * Called once per request, before any await that could let chunks pass.
   */
  onData(cb: (chunk: Buffer, isLast: boolean) => void): void;
}

/** A websocket connection, as the engine drives it. `T` is the engine's per-connection state. */
export interface WsConnection<T> {
  readonly data: T;
  /**
   * Sends one frame (a string is a text frame, bytes a binary frame).
   * False if the frame was not accepted: the connection is over its
   * back-pressure limit and is being closed (the host closes it rather than
   * drop a frame, which would break the session's order).
   */
  send(frame: string | Uint8Array, compress: boolean): boolean;
  /** Runs `fn` with this connection's writes batched into one syscall where the host can. */
  cork(fn: () => void): void;
  /** Closes with a close frame (`code`, optional reason); without a code the frame carries no status, as from engine.io's `websocket.close()`. */
  end(code?: number, reason?: string): void;
  /** Bytes accepted by `send` and not yet written to the network. */
  bufferedAmount(): number;
}

/** The websocket side of an upgrade request, until it is accepted or refused. */
export interface WsUpgrade<T> {
  /**
   * Completes the handshake (101). `open` of the engine's handlers runs
   * once the connection exists. False if the client is gone. `headers` are
   * added to the 101 (on both hosts). A host may settle it later (the uWS
   * host when its cork carrier has to open first).
   */
  accept(data: T, headers?: HeaderList): boolean | Promise<boolean>;
}

/**
 * A request as Connect-style middlewares (`engine.use`) see it: node's
 * `IncomingMessage` on the node host, an object with its usual fields
 * (`method`, `url`, `headers`, `_query`, `connection.remoteAddress`) on uWS.
 */
export type MiddlewareRequest = object;

/**
 * What the engine's middlewares run on, made by the host on demand: its
 * own request and response objects, as close to node's as it has.
 */
export interface MiddlewareTarget {
  readonly req: MiddlewareRequest;
  /** node's `ServerResponse`, or a `ShimResponse` where the host has none (uWS, upgrade requests). */
  readonly res: object;
  /**
   * The response the engine answers through once the middlewares let the
   * request on: it writes through `res`, so what they set or wrapped there
   * (headers, express-session's save before the end) applies.
   */
  readonly raw: RawResponse;
  /** A middleware answered (or began answering) the request itself. */
  answered(): boolean;
  /**
   * The headers the middlewares set, for a 101 the host writes itself;
   * runs their write-head hooks first (express-session sets its cookie there).
   */
  upgradeHeaders(): HeaderList;
}

/** What the engine does with connections under its path. */
export interface EngineHandlers<T> {
  /**
   * An HTTP request (not an upgrade) under the engine's path. `target`
   * makes the pair the engine's middlewares run on (called at most once,
   * synchronously, and only when there are middlewares).
   */
  request(res: RawResponse, info: RequestInfo, target?: () => MiddlewareTarget): void;
  /**
   * A websocket upgrade request under the engine's path. Refusals are
   * answered through `res` (an HTTP answer; the host closes the connection
   * after it); acceptance goes through `upgrade.accept`.
   */
  upgrade(res: RawResponse, info: RequestInfo, upgrade: WsUpgrade<T>, target?: () => MiddlewareTarget): void;
  /** The accepted websocket is open. */
  open(ws: WsConnection<T>): void;
  /** A complete inbound message; `frame` is a string for text, bytes for binary. */
  message(ws: WsConnection<T>, frame: string | Uint8Array): void;
  /** The websocket is closed (by either side); `ws` must not be used after this returns. */
  close(ws: WsConnection<T>, code: number): void;
}

/** Limits the host enforces on websockets. */
export interface WsLimits {
  /**
   * Largest inbound message, bytes; larger ones close the connection, with
   * 1009. (uWS itself drops the connection without a close frame, so its
   * host lets messages up to twice the limit through to say 1009 itself;
   * beyond that the client sees 1006.)
   */
  maxPayloadLength: number;
  /** Most bytes buffered for a slow reader before the connection is closed. */
  maxBackpressure: number;
  /** Negotiate permessage-deflate. */
  perMessageDeflate: boolean;
}

/** An answer to a plain route (health checks, metrics, pages). */
export type RouteHandler = (res: RawResponse, info: RequestInfo) => void;

/**
 * A network host. The engine mounts itself under its path; other routes
 * (ops endpoints, demo pages) are added with `route`. What no route takes
 * falls through: to the user's own handlers when the host is attached to
 * their server, to 404 when the host owns the listener.
 */
export interface Host {
  readonly kind: HostKind;
  /** Routes everything under `path` (the engine's path) to `handlers`. */
  mount<T>(path: string, handlers: EngineHandlers<T>, limits: WsLimits): void;
  /**
   * Answers `GET path` with `handler`: an exact match, or, when `path` ends
   * with `/*`, every path under that prefix (the handler reads `info.path`).
   */
  route(path: string, handler: RouteHandler): void;
  /** Starts listening (exclusively: a port in use is an error); resolves with the bound port. */
  listen(port: number, host: string): Promise<number>;
  /** Stops listening and closes every connection this host accepted. */
  close(): Promise<void>;
}
