import type { Metrics } from '../metrics/Metrics.js';
import type { Store } from '../store/Store.js';
import type { EngineSocket } from './EngineSocket.js';
import type { ResolvedEngineOptions } from './options.js';
import type { Poller } from './Poller.js';

/** What the background sweeps need from the engine. */
export interface SweepHost {
  readonly options: ResolvedEngineOptions;
  readonly store: Store;
  readonly metrics: Metrics;
  readonly poller: Poller;
  claim(sid: string, from: string): Promise<EngineSocket | null>;
  storeFailed(err: unknown, context: string): void;
}

/**
 * This worker's share of keeping the cluster's sessions alive: the store
 * heartbeat sweep (pings due, sessions timed out) and the adoption of the
 * sessions of workers found dead.
 */
export class Membership {
  /** Workers this worker knows to be dead (refreshed by the orphan sweep). */
  readonly deadWorkers = new Set<string>();
  readonly #engine: SweepHost;
  #sweepTimer: NodeJS.Timeout | null = null;
  #orphanTimer: NodeJS.Timeout | null = null;
  #sweeping = false;
  #orphaning = false;

  constructor(engine: SweepHost) {
    this.#engine = engine;
  }

  start(): void {
    const o = this.#engine.options;
    this.#sweepTimer = setInterval(() => void this.#sweep(), o.sweepInterval);
    this.#sweepTimer.unref();
    this.#orphanTimer = setInterval(() => void this.#adoptOrphans(), o.orphanInterval);
    this.#orphanTimer.unref();
  }

  stop(): void {
    if (this.#sweepTimer) clearInterval(this.#sweepTimer);
    if (this.#orphanTimer) clearInterval(this.#orphanTimer);
    this.#sweepTimer = this.#orphanTimer = null;
  }

  async #sweep(): Promise<void> {
    if (this.#sweeping) return;
    this.#sweeping = true;
    const engine = this.#engine;
    const batch = 500;
    try {
      // Bounded so one sweep never monopolises the event loop.
      for (let i = 0; i < 20; i++) {
        const r = await engine.store.sweepHeartbeats(Date.now(), batch);
        engine.metrics.heartbeatTimeout(r.timedOut);
        if (r.pinged + r.timedOut < batch) break;
      }
      engine.poller.repoll(Date.now() - engine.options.pingInterval);
    } catch (err) {
      engine.storeFailed(err, 'sweep');
    } finally {
      this.#sweeping = false;
    }
  }

  async #adoptOrphans(): Promise<void> {
    if (this.#orphaning) return;
    this.#orphaning = true;
    const engine = this.#engine;
    try {
      const dead = await engine.store.deadWorkers();
      this.deadWorkers.clear();
      for (const d of dead) this.deadWorkers.add(d);
      for (const d of dead) {
        for (;;) {
          const sids = await engine.store.orphans(d, 100);
          if (sids.length === 0) break;
          await Promise.all(sids.map((sid) => engine.claim(sid, d)));
        }
        await engine.store.forgetWorker(d);
      }
    } catch (err) {
      engine.storeFailed(err, 'orphans');
    } finally {
      this.#orphaning = false;
    }
  }
}
