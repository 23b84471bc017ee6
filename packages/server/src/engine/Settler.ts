import type { Generation, SettleResult } from '../store/Store.js';
import type { EngineSocket } from './EngineSocket.js';
import type { HandshakeRecord } from './handshake.js';
import type { EngineServices } from './services.js';

/** A polling session created here and not announced yet. */
interface Settling {
  timer: NodeJS.Timeout;
  generation: Generation;
  handshake: HandshakeRecord;
  /** [min, max] ms of the settle window. */
  window: [number, number];
  /** The `settle` call in flight, if any: whatever ends the settling otherwise waits for it. */
  asking: Promise<unknown> | null;
  /** An inbox message came while `settle` was in flight: its entries may have missed the settle. */
  missed: boolean;
  /** Since when the settling has waited on a probe (0 = not waiting). */
  probing: number;
}

/**
 * Polling sessions this worker created that wait before being announced:
 * if the client upgrades, the worker holding the websocket announces it
 * instead, and `connection` runs once, where the session stays.
 */
export class Settler {
  /** Whether fresh polling sessions settle before being announced (see `settleUpgrades`). */
  readonly enabled: boolean;
  readonly #engine: EngineServices;
  readonly #settling = new Map<string, Settling>();

  constructor(engine: EngineServices, enabled: boolean) {
    this.#engine = engine;
    this.enabled = enabled;
  }

  /** Starts settling a fresh polling session. */
  settleLater(sid: string, generation: Generation, handshake: HandshakeRecord, window = this.#engine.options.settleWindow): void {
    const entry: Settling = { timer: null as unknown as NodeJS.Timeout, generation, handshake, window, asking: null, missed: false, probing: 0 };
    this.#settling.set(sid, entry);
    this.#armSettle(sid, entry, Date.now() + window[0]);
  }

  /**
   * A session still settling here closed before it was announced: it is
   * announced now (then closed by the caller), so that what its client sent
   * is not lost and the application sees `connection` then `close`, as for
   * any other session. Returns the new socket, or null if it was not settling.
   */
  announceSettling(sid: string): EngineSocket | null {
    const e = this.#settling.get(sid);
    if (!e) return null;
    this.forgetSettling(sid);
    const engine = this.#engine;
    const socket = engine.adopt(sid, e.generation, 'polling', e.handshake, false);
    engine.announce(socket);
    return socket;
  }

  /** Stops settling `sid` here (it was upgraded elsewhere, claimed, or closed). */
  forgetSettling(sid: string): void {
    const e = this.#settling.get(sid);
    if (!e) return;
    clearTimeout(e.timer);
    this.#settling.delete(sid);
  }

  /** Stops settling every session (the engine closes). */
  forgetAll(): void {
    for (const sid of [...this.#settling.keys()]) this.forgetSettling(sid);
  }

  /**
   * An inbox message for `sid`: true if the session is settling here, so
   * the settle (or the drain after it) takes the entries.
   */
  onInbox(sid: string): boolean {
    const e = this.#settling.get(sid);
    if (!e) return false;
    if (e.asking) e.missed = true;
    return true;
  }

  /** Runs `then` once the settle call in flight for `sid` (if any) is answered and handled. */
  afterSettle(sid: string, then: () => void | Promise<void>): void | Promise<void> {
    const asking = this.#settling.get(sid)?.asking;
    if (!asking) return then();
    return asking.then(then, then);
  }

  #armSettle(sid: string, entry: Settling, at: number): void {
    entry.timer = setTimeout(() => void this.#trySettle(sid), Math.max(0, at - Date.now()));
  }

  async #trySettle(sid: string): Promise<void> {
    const engine = this.#engine;
    const entry = this.#settling.get(sid);
    if (!entry) return;
    const [min, max] = entry.window;
    let r: SettleResult;
    const asking = engine.store.settle(sid, Date.now(), min, max);
    entry.asking = asking;
    try {
      r = await asking;
    } catch (err) {
      engine.storeFailed(err, 'settle');
      r = { kind: 'wait', at: Date.now() + 100 };
    } finally {
      entry.asking = null;
    }
    if (this.#settling.get(sid) !== entry) return;
    switch (r.kind) {
      case 'wait':
        this.#armSettle(sid, entry, r.at);
        return;
      case 'upgrading': {
        // The probe's worker will take the session (we hear a handover) or
        // give up within upgradeTimeout, unless it died mid-probe.
        const now = Date.now();
        if (entry.probing === 0) entry.probing = now;
        else if (now - entry.probing > engine.options.upgradeTimeout + engine.options.rpcTimeout) {
          entry.probing = now;
          void this.#clearDeadProbe(sid);
        }
        this.#armSettle(sid, entry, now + 50);
        return;
      }
      case 'done': {
        // Closed before it was announced, and the close message may still be
        // on its way (or lost in a store outage): close it now.
        const rec = await engine.store.get(sid).catch(() => null);
        if (this.#settling.get(sid) !== entry) return;
        if (rec && rec.closed !== null && rec.owner === engine.workerId) return engine.sessionClosed(sid, rec.closed);
        this.#settling.delete(sid);
        return;
      }
      case 'settled': {
        this.#settling.delete(sid);
        const socket = engine.adopt(sid, entry.generation, 'polling', entry.handshake, false);
        engine.announce(socket);
        if (r.inbox.length > 0) socket.receiveEntries(r.inbox);
        // Relayed after the settle, and told of before we had the socket.
        if (entry.missed) void engine.drainInbox(sid);
        return;
      }
    }
  }

  /** A probe outlived upgradeTimeout: if its worker does not answer, it died, and its probe is cleared. */
  async #clearDeadProbe(sid: string): Promise<void> {
    const engine = this.#engine;
    try {
      const prober = (await engine.store.get(sid))?.upgrading;
      if (!prober || prober === engine.workerId) return;
      const alive = !engine.deadWorkers.has(prober) && (await engine.rpc.ping(prober));
      if (!alive) await engine.store.abortUpgrade(sid, prober);
    } catch (err) {
      engine.storeFailed(err, 'probe');
    }
  }
}
