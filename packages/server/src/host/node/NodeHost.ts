import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { Http2SecureServer, Http2ServerResponse } from 'node:http2';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { EngineHandlers, Host, RouteHandler, WsLimits } from '../Host.js';
import { shimTarget } from '../shimTarget.js';
import { NodeResponse, SocketResponse } from './NodeResponse.js';
import { nodeRequestInfo, pathOf, type NodeRequest } from './requestInfo.js';
import { WsMount } from './WsMount.js';

/** Servers a `NodeHost` can attach to (Express and Koa via `http.createServer(app)`, Fastify via `fastify.server`). */
export type AttachableServer = HttpServer | HttpsServer | Http2SecureServer;

type RequestListener = (req: NodeRequest, res: ServerResponse | Http2ServerResponse) => void;
type UpgradeListener = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

/** engine.io's `destroyUpgradeTimeout`: how long another party gets to take an upgrade before it is dropped. */
const UNHANDLED_UPGRADE_MS = 1000;

interface Mount {
  /** The engine's path without a trailing slash. */
  base: string;
  handlers: EngineHandlers<unknown>;
  ws: WsMount<unknown>;
}

/** Connection limits of a server the host owns, in ms. */
export interface NodeServerLimits {
  /** A slowloris (a head trickling in) is cut after this, as uWS does after ~10 s. */
  headersTimeout: number;
  /** The whole request, body included: Engine.IO bodies are at most a few MB. */
  requestTimeout: number;
  /**
   * An idle keep-alive connection is closed after this: above nginx's upstream
   * keepalive_timeout (4 s in deploy/nginx), so nginx never reuses a
   * connection the worker is closing.
   */
  keepAliveTimeout: number;
}

export const DEFAULT_NODE_SERVER_LIMITS: NodeServerLimits = { headersTimeout: 10_000, requestTimeout: 60_000, keepAliveTimeout: 10_000 };

/**
 * Node's `requestTimeout` counts only until the request (head and body) has
 * been received, not until it is answered, so long-polls and hours-long
 * streams are never cut by it; `server.timeout` (socket inactivity) is off
 * for the same reason.
 */
function ownServer(limits: NodeServerLimits): HttpServer {
  const server = createServer({
    headersTimeout: limits.headersTimeout,
    requestTimeout: limits.requestTimeout,
    // The two limits above are checked this often (Node's default is 30 s).
    connectionsCheckingInterval: Math.min(1_000, Math.ceil(Math.min(limits.headersTimeout, limits.requestTimeout) / 4)),
  });
  server.timeout = 0;
  server.keepAliveTimeout = limits.keepAliveTimeout;
  return server;
}

/**
 * The node:http + `ws` host. `new NodeHost()` owns an http.Server;
 * `NodeHost.attach(server)` shares a user's server: requests under the
 * engine's path and the host's routes are answered here, everything else
 * goes to the 'request' and 'upgrade' listeners the server had before.
 * An attached server keeps its own timeouts: Node's defaults never cut a
 * long-poll either (`requestTimeout` ends once the request is received).
 */
export class NodeHost implements Host {
  readonly kind = 'node' as const;
  readonly server: AttachableServer;
  readonly #owned: boolean;
  readonly #priorRequest: RequestListener[];
  readonly #priorUpgrade: UpgradeListener[];
  readonly #mounts: Mount[] = [];
  readonly #routes = new Map<string, RouteHandler>();
  /** `/x/*` routes: [prefix with its trailing slash, handler], in registration order. */
  readonly #prefixRoutes: Array<[string, RouteHandler]> = [];
  /** Engine answers in flight (held long-polls, streams), dropped by `close`. */
  readonly #held = new Set<NodeResponse>();
  readonly #onRequest: RequestListener = (req, res) => this.#request(req, res);
  readonly #onUpgrade: UpgradeListener = (req, socket, head) => this.#upgrade(req, socket, head);

  /** On a server of its own, with `limits` (defaults: DEFAULT_NODE_SERVER_LIMITS). */
  constructor(limits?: Partial<NodeServerLimits>);
  /** Sharing the user's server (see `attach`). */
  constructor(server: AttachableServer);
  constructor(arg?: AttachableServer | Partial<NodeServerLimits>) {
    const server = arg !== undefined && 'listen' in arg ? arg : undefined;
    this.#owned = server === undefined;
    this.server = server ?? ownServer({ ...DEFAULT_NODE_SERVER_LIMITS, ...(arg as Partial<NodeServerLimits> | undefined) });
    const emitter = this.server as HttpServer;
    this.#priorRequest = emitter.listeners('request') as RequestListener[];
    this.#priorUpgrade = emitter.listeners('upgrade') as UpgradeListener[];
    emitter.removeAllListeners('request');
    emitter.removeAllListeners('upgrade');
    emitter.on('request', this.#onRequest);
    emitter.on('upgrade', this.#onUpgrade);
  }

  /** A host sharing the user's server (see the class comment). */
  static attach(server: AttachableServer): NodeHost {
    return new NodeHost(server);
  }

  mount<T>(path: string, handlers: EngineHandlers<T>, limits: WsLimits): void {
    const base = path.endsWith('/') ? path.slice(0, -1) : path;
    const ws = new WsMount(handlers, limits);
    this.#mounts.push({ base, handlers: handlers, ws: ws });
  }

  route(path: string, handler: RouteHandler): void {
    if (path.endsWith('/*')) this.#prefixRoutes.push([path.slice(0, -1), handler]);
    else this.#routes.set(path, handler);
  }

  #routeFor(path: string): RouteHandler | undefined {
    const exact = this.#routes.get(path);
    if (exact) return exact;
    for (const [prefix, handler] of this.#prefixRoutes) if (path.startsWith(prefix)) return handler;
    return undefined;
  }

  /** On an attached server that already listens, resolves with its port. */
  listen(port: number, host: string): Promise<number> {
    const server = this.server;
    if (server.listening) return Promise.resolve((server.address() as AddressInfo).port);
    return new Promise((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException): void => {
        server.off('listening', onListening);
        reject(listenError(err, port, host));
      };
      const onListening = (): void => {
        server.off('error', onError);
        resolve((server.address() as AddressInfo).port);
      };
      server.once('error', onError);
      server.once('listening', onListening);
      // Exclusive: under node:cluster a worker must get its own port, not a handle shared through the primary.
      server.listen({ port, host, exclusive: true });
    });
  }

  async close(): Promise<void> {
    const server = this.server as HttpServer;
    server.off('request', this.#onRequest);
    server.off('upgrade', this.#onUpgrade);
    if (!this.#owned) {
      for (const l of this.#priorRequest) server.on('request', l);
      for (const l of this.#priorUpgrade) server.on('upgrade', l);
    }
    for (const res of this.#held) res.destroy();
    this.#held.clear();
    const stopped = this.#owned && server.listening ? new Promise<void>((resolve) => server.close(() => resolve())) : null;
    if (this.#owned) server.closeAllConnections();
    await Promise.all(this.#mounts.map((m) => m.ws.close()));
    await stopped;
  }

  #mountFor(path: string): Mount | undefined {
    for (const m of this.#mounts) {
      if (path.startsWith(m.base) && (path.length === m.base.length || path.charCodeAt(m.base.length) === 47)) return m;
    }
    return undefined;
  }

  #request(req: NodeRequest, res: ServerResponse | Http2ServerResponse): void {
    const path = pathOf(req.url || '/');
    const mount = this.#mountFor(path);
    if (mount) {
      const raw = new NodeResponse(req, res);
      this.#held.add(raw);
      res.once('close', () => this.#held.delete(raw));
      mount.handlers.request(raw, nodeRequestInfo(req), () => {
        raw.viaMiddlewares();
        return { req, res, raw, answered: () => res.headersSent || res.writableEnded, upgradeHeaders: () => [] };
      });
      return;
    }
    const route = req.method === 'GET' ? this.#routeFor(path) : undefined;
    if (route) return route(new NodeResponse(req, res), nodeRequestInfo(req));
    if (this.#priorRequest.length > 0) {
      for (const l of this.#priorRequest) l.call(this.server, req, res);
      return;
    }
    new NodeResponse(req, res).send(404, [['Content-Type', 'text/plain; charset=utf-8']], 'Not Found', false);
  }

  #upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const mount = this.#mountFor(pathOf(req.url || '/'));
    if (mount) {
      // Not an RFC 6455 handshake (a draft-75/76 one from an old Flash or
      // browser client): uWS hands such a request to the HTTP side, and so
      // does this host, so the generation answers it in its own words.
      if (req.headers['sec-websocket-key'] === undefined) {
        const raw = new SocketResponse(socket);
        return mount.handlers.request(raw, nodeRequestInfo(req), () => shimTarget(req, raw, false, socket));
      }
      return mount.ws.upgrade(req, socket, head, nodeRequestInfo(req));
    }
    if (this.#priorUpgrade.length > 0) {
      for (const l of this.#priorUpgrade) l.call(this.server, req, socket, head);
      return;
    }
    // Listeners added after us see every upgrade; leave theirs to them.
    if ((this.server as HttpServer).listenerCount('upgrade') > 1) return;
    if (this.#owned) {
      new SocketResponse(socket).send(404, [['Content-Type', 'text/plain; charset=utf-8']], 'Not Found', true);
      return;
    }
    dropUnhandled(socket);
  }
}

/**
 * engine.io's `destroyUpgrade`: an upgrade nobody answered would hang the
 * client, but someone may still be about to take it, so it gets a moment.
 */
function dropUnhandled(socket: Duplex): void {
  setTimeout(() => {
    if (socket.writable && (socket as Duplex & { bytesWritten?: number }).bytesWritten === 0) {
      socket.on('error', () => {});
      socket.end();
    }
  }, UNHANDLED_UPGRADE_MS).unref();
}

function listenError(err: NodeJS.ErrnoException, port: number, host: string): Error {
  if (err.code !== 'EADDRINUSE') return err;
  return Object.assign(new Error(`cannot listen on ${host}:${port}: the port is in use (EADDRINUSE)`, { cause: err }), {
    code: 'EADDRINUSE',
  });
}
