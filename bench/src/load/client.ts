/**
 * A tiny Socket.IO 5 / Engine.IO 4 client for load generation: just enough
 * protocol to connect to the main namespace, answer pings, emit events with
 * ack ids and receive `bcast` events, with no parser library on the hot
 * path (acks and broadcasts are recognised by their prefix). The transports
 * (ws.ts, polling.ts) carry packets; this class speaks the protocol.
 *
 *   server → `0{"sid":…}` (open)        client → `40` (connect to "/")
 *   server → `40{"sid":…}` (connected)
 *   server → `2` (ping)                  client → `3` (pong)
 *   client → `42<id>["echo",…]`          server → `43<id>[…]` (ack)
 *   server → `42["bcast",…]`
 */
export type TransportName = 'websocket' | 'polling';

export type AckCallback = (args: string) => void;

/** Why a session ended, for the error tally ("400 Session ID unknown", "ECONNRESET", ...). */
export type CloseReason = string;

/** Counts errors by kind across all clients of a scenario. */
export class ErrorTally {
  readonly counts = new Map<string, number>();
  add(kind: string, n = 1): void {
    this.counts.set(kind, (this.counts.get(kind) ?? 0) + n);
  }
  get total(): number {
    let t = 0;
    for (const n of this.counts.values()) t += n;
    return t;
  }
  toJSON(): Record<string, number> {
    return Object.fromEntries([...this.counts.entries()].sort((a, b) => b[1] - a[1]));
  }
}

const BCAST_PREFIX = '42["bcast",';

export abstract class SioClient {
  abstract readonly transport: TransportName;
  /** Engine.IO session id (from the open packet). */
  sid = '';
  /** Connected to the main namespace. */
  connected = false;
  closed = false;
  closeReason: CloseReason = '';
  /** Called with the raw payload after `42["bcast",` (e.g. `123.45]`). */
  onBcast: ((rest: string) => void) | null = null;
  /** Called once when the session ends for any reason (not after close()). */
  onClose: ((reason: CloseReason) => void) | null = null;

  readonly #acks = new Map<number, AckCallback>();
  #nextId = 0;
  #connectWaiter: { resolve(): void; reject(err: Error): void } | null = null;

  /** Number of emits still waiting for their ack. */
  get pendingAcks(): number {
    return this.#acks.size;
  }

  /** `argsJson` is the JSON array body without brackets: `"echo",1`. */
  emitWithAck(argsJson: string, cb: AckCallback): void {
    const id = this.#nextId++;
    this.#acks.set(id, cb);
    this.sendPacket(`42${id}[${argsJson}]`);
  }

  emit(argsJson: string): void {
    this.sendPacket(`42[${argsJson}]`);
  }

  /** Send one Engine.IO packet (already encoded). */
  protected abstract sendPacket(packet: string): void;
  /** Tear the transport down without telling anyone. */
  protected abstract teardown(graceful: boolean): void;

  /** Resolves once the main namespace is joined. */
  protected waitConnected(timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#connectWaiter = null;
        this.fail('connect timeout');
        reject(new Error('connect timeout'));
      }, timeoutMs);
      this.#connectWaiter = {
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      };
    });
  }

  /** Handle one decoded Engine.IO packet. */
  protected handlePacket(p: string): void {
    const c = p.charCodeAt(0);
    if (c === 52 /* 4 message */) {
      const s = p.charCodeAt(1);
      if (s === 51 /* 3 ack */) {
        let i = 2;
        let id = 0;
        for (let d = p.charCodeAt(i); d >= 48 && d <= 57; d = p.charCodeAt(++i)) id = id * 10 + (d - 48);
        const cb = this.#acks.get(id);
        if (cb) {
          this.#acks.delete(id);
          cb(p.slice(i));
        }
      } else if (s === 50 /* 2 event */) {
        if (this.onBcast && p.startsWith(BCAST_PREFIX)) this.onBcast(p.slice(BCAST_PREFIX.length));
      } else if (s === 48 /* 0 connect */) {
        this.connected = true;
        const w = this.#connectWaiter;
        this.#connectWaiter = null;
        w?.resolve();
      } else if (s === 52 /* 4 connect_error */) {
        this.fail(`connect_error ${p.slice(2, 80)}`);
      } else if (s === 49 /* 1 disconnect */) {
        this.fail('server disconnect');
      }
    } else if (c === 50 /* 2 ping */) {
      this.sendPacket('3');
    } else if (c === 48 /* 0 open */) {
      try {
        this.sid = (JSON.parse(p.slice(1)) as { sid: string }).sid;
      } catch {
        this.fail('bad open packet');
        return;
      }
      this.onOpen();
    } else if (c === 49 /* 1 close */) {
      this.fail('server close');
    }
  }

  /** The Engine.IO session is open: join the main namespace. */
  protected onOpen(): void {
    this.sendPacket('40');
  }

  /** Drop the acks still pending (they will never come); returns how many. */
  dropPendingAcks(): number {
    const n = this.#acks.size;
    this.#acks.clear();
    return n;
  }

  /** The session ended on its own (error, server close). */
  protected fail(reason: CloseReason): void {
    if (this.closed) return;
    this.closed = true;
    this.connected = false;
    this.closeReason = reason;
    this.teardown(false);
    const w = this.#connectWaiter;
    this.#connectWaiter = null;
    w?.reject(new Error(reason));
    this.onClose?.(reason);
  }

  /** Close on purpose (end of a scenario): no onClose. */
  close(graceful = true): void {
    if (this.closed) return;
    this.closed = true;
    this.connected = false;
    this.closeReason = 'client close';
    this.#connectWaiter = null;
    this.teardown(graceful);
  }
}
