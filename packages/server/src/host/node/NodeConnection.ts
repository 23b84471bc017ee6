import type { Socket } from 'node:net';
import { WebSocket } from 'ws';
import type { WsConnection } from '../Host.js';

/** A `WsConnection` over a `ws` WebSocket. */
export class NodeConnection<T> implements WsConnection<T> {
  readonly data: T;
  readonly #ws: WebSocket;
  readonly #maxBackpressure: number;
  /** The socket is corked until the frames of the current read are handled. */
  #batching = false;
  readonly #flush = (): void => {
    this.#batching = false;
    this.#socket()?.uncork();
  };

  constructor(ws: WebSocket, data: T, maxBackpressure: number) {
    this.#ws = ws;
    this.data = data;
    this.#maxBackpressure = maxBackpressure;
  }

  /**
   * Called before each inbound message is handed to the engine. `ws` hands
   * over every frame of one read synchronously, and each answer would be a
   * writev of its own; corked until the next tick, the answers to one read
   * leave in one syscall, as uWS corks around its handlers. (`ws` corks
   * each frame itself; the counts nest.)
   */
  batchReplies(): void {
    if (this.#batching) return;
    const socket = this.#socket();
    if (!socket || socket.destroyed) return;
    this.#batching = true;
    socket.cork();
    process.nextTick(this.#flush);
  }

  send(frame: string | Uint8Array, compress: boolean): boolean {
    const ws = this.#ws;
    if (ws.readyState !== WebSocket.OPEN) return false;
    ws.send(frame, { binary: typeof frame !== 'string', compress });
    if (ws.bufferedAmount <= this.#maxBackpressure) return true;
    // Terminate, not close(1008): a close frame would queue behind the
    // megabytes this reader is not taking, and `ws` would hold them (and the
    // socket) for its 30 s closing timeout. uWS drops such a socket the same
    // way (closeOnBackpressureLimit), so the engine sees 1006 on both hosts.
    ws.terminate();
    return false;
  }

  /**
   * Writes made in `fn` leave in one writev when it returns. `ws` has no
   * cork of its own, so this corks its socket; deflated frames are written
   * later, after compression, uncorked.
   */
  cork(fn: () => void): void {
    const socket = this.#socket();
    if (!socket || socket.destroyed) return fn();
    socket.cork();
    try {
      fn();
    } finally {
      socket.uncork();
    }
  }

  end(code?: number, reason?: string): void {
    this.#ws.close(code, reason);
    // ws would wait up to 30 s for the peer's close frame before ending the
    // TCP connection; like uWS (and RFC 6455's "the server closes first"),
    // send FIN right behind our close frame. Writes are ordered, so the
    // frame goes first; the peer's close frame, if any, is still read.
    const socket = (this.#ws as unknown as { _socket?: Socket | null })._socket;
    if (socket && !socket.destroyed) socket.end();
  }

  bufferedAmount(): number {
    return this.#ws.bufferedAmount;
  }

  /** `ws`'s socket (`_socket`, stable across ws 8); null once `ws` let go of it. */
  #socket(): Socket | null {
    return (this.#ws as unknown as { _socket?: Socket | null })._socket ?? null;
  }
}
