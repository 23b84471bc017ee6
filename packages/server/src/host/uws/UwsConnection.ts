import type { WebSocket } from 'uWebSockets.js';
import type { WsConnection } from '../Host.js';

/** What uWS keeps per websocket: the engine's state, and our wrapper once open. */
export interface UwsSlot<T> {
  data: T;
  conn: UwsConnection<T> | null;
}

/**
 * A uWS websocket under the host contract. uWS throws on any use of a
 * websocket after its close handler; the wrapper outlives it harmlessly.
 */
export class UwsConnection<T> implements WsConnection<T> {
  readonly data: T;
  readonly #ws: WebSocket<UwsSlot<T>>;
  #closed = false;

  constructor(ws: WebSocket<UwsSlot<T>>, data: T) {
    this.#ws = ws;
    this.data = data;
  }

  send(frame: string | Uint8Array, compress: boolean): boolean {
    if (this.#closed) return false;
    // 2 = dropped: the client is too slow, and uWS closes it (closeOnBackpressureLimit).
    return this.#ws.send(frame, typeof frame !== 'string', compress) !== 2;
  }

  cork(fn: () => void): void {
    if (this.#closed) fn();
    else this.#ws.cork(fn);
  }

  end(code?: number, reason?: string): void {
    // uWS leaves the status out of the close frame for code 0.
    if (!this.#closed) this.#ws.end(code ?? 0, reason);
  }

  bufferedAmount(): number {
    return this.#closed ? 0 : this.#ws.getBufferedAmount();
  }

  /** uWS closed the websocket (its close handler runs). */
  markClosed(): void {
    this.#closed = true;
  }
}
