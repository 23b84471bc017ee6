import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { HeaderList } from '../../http/cors.js';
import type { RequestInfo } from '../../http/RequestInfo.js';
import type { EngineHandlers, WsLimits, WsUpgrade } from '../Host.js';
import { shimTarget } from '../shimTarget.js';
import { NodeConnection } from './NodeConnection.js';
import { SocketResponse } from './NodeResponse.js';

/** How long `close` waits for clients to answer a 1001 close frame before dropping them. */
const CLOSE_GRACE_MS = 1000;

function ignore(): void {}

/** The websocket side of one mounted engine: upgrades, open connections, closing them all. */
export class WsMount<T> {
  readonly #wss: WebSocketServer;
  readonly #handlers: EngineHandlers<T>;
  readonly #maxBackpressure: number;
  readonly #sockets = new Map<NodeConnection<T>, WebSocket>();
  /** Upgrade requests the engine has not answered yet. */
  readonly #pending = new Set<SocketResponse>();

  constructor(handlers: EngineHandlers<T>, limits: WsLimits) {
    this.#handlers = handlers;
    this.#maxBackpressure = limits.maxBackpressure;
    this.#wss = new WebSocketServer({
      noServer: true,
      maxPayload: limits.maxPayloadLength,
      // engine.io's default: frames under 1 KiB cost more to deflate than they save.
      perMessageDeflate: limits.perMessageDeflate ? { threshold: 1024 } : false,
      clientTracking: false,
    });
  }

  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, info: RequestInfo): void {
    // Node leaves an upgraded socket without an error listener: a reset while
    // the engine decides would otherwise crash the process. `ws` adds its own
    // once it owns the socket.
    socket.on('error', ignore);
    // Reading on is how a client that leaves while the engine decides is
    // noticed (node stops reading an upgraded socket). Whatever it sent early
    // goes to `ws` with the head.
    const early: Buffer[] = [];
    const onData = (chunk: Buffer): void => void early.push(chunk);
    // http.Server sockets allow half-open connections: a client that
    // half-closes before the handshake answer is gone all the same.
    const onEnd = (): void => void socket.destroy();
    socket.on('data', onData);
    socket.on('end', onEnd);
    const res = new SocketResponse(socket);
    this.#pending.add(res);
    socket.once('close', () => this.#pending.delete(res));
    const upgrade: WsUpgrade<T> = {
      accept: (data, headers = []) => {
        if (!res.open) return false;
        socket.off('data', onData);
        socket.off('end', onEnd);
        return this.#accept(req, socket, early.length > 0 ? Buffer.concat([head, ...early]) : head, res, data, headers);
      },
    };
    // node has no ServerResponse for an upgrade request: middlewares get a shim that answers on the socket.
    this.#handlers.upgrade(res, info, upgrade, () => shimTarget(req, res, false, socket));
  }

  /** The socket is still flowing: `ws` adds its 'data' listener before any more can arrive. */
  #accept(req: IncomingMessage, socket: Duplex, head: Buffer, res: SocketResponse, data: T, headers: HeaderList): boolean {
    res.handOver();
    this.#pending.delete(res);
    let opened = false;
    const addHeaders = (lines: string[]): void => {
      for (const [name, value] of headers) lines.push(`${name}: ${value}`);
    };
    // With no verifyClient, `ws` completes the handshake synchronously: the
    // callback has run (or the handshake was refused with a 400) on return,
    // so its 'headers' event is this upgrade's.
    if (headers.length > 0) this.#wss.on('headers', addHeaders);
    try {
      this.#wss.handleUpgrade(req, socket, head, (ws) => {
        opened = true;
        socket.removeListener('error', ignore);
        this.#open(ws, data);
      });
    } finally {
      this.#wss.off('headers', addHeaders);
    }
    return opened;
  }

  #open(ws: WebSocket, data: T): void {
    const conn = new NodeConnection(ws, data, this.#maxBackpressure);
    const handlers = this.#handlers;
    this.#sockets.set(conn, ws);
    // `ws` reports protocol errors (oversize frames: 1009) here, then closes;
    // the engine learns of it through 'close'.
    ws.on('error', ignore);
    ws.on('message', (message: Buffer, isBinary: boolean) => {
      conn.batchReplies();
      handlers.message(conn, isBinary ? message : message.toString('utf8'));
    });
    ws.once('close', (code: number) => {
      this.#sockets.delete(conn);
      handlers.close(conn, code);
    });
    handlers.open(conn);
  }

  /** Closes every websocket (1001) and drops unanswered upgrades; resolves once all are gone. */
  async close(): Promise<void> {
    for (const res of this.#pending) res.destroy();
    this.#pending.clear();
    const sockets = [...this.#sockets.values()];
    if (sockets.length === 0) return;
    const closed = sockets.map((ws) => new Promise<void>((resolve) => ws.once('close', () => resolve())));
    for (const ws of sockets) ws.close(1001, 'server closing');
    const timer = setTimeout(() => {
      for (const ws of sockets) ws.terminate();
    }, CLOSE_GRACE_MS);
    await Promise.all(closed);
    clearTimeout(timer);
  }
}
