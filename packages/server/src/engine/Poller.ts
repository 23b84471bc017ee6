import type { Exchange } from '../http/Exchange.js';
import type { Generation, PollHolder, PollResult } from '../store/Store.js';
import type { EngineServices } from './services.js';

/**
 * What a held GET does with what the store gives it. One implementation per
 * transport (Engine.IO polling, protocol 1 xhr/jsonp polling and htmlfile);
 * the waiting, waking and stealing are the same for all and live in
 * `Poller`.
 */
export interface PollSink {
  readonly ex: Exchange;
  /** After a delivery, wait for more on the same answer (a stream) instead of ending it. */
  readonly stream: boolean;
  /** End an idle poll after this many ms (0: only data, a wake or the client ends it). */
  readonly idleAfter: number;
  /**
   * Names this GET among the client's requests, '' if it cannot (see
   * `Store.poll`): what it is answered stays in flight, so a replay of the
   * same GET by the load balancer, after this worker died with the answer
   * unsent, gets it again.
   */
  readonly request: string;
  /** Entries drained for the client, in order; false if the client is gone. */
  deliver(entries: string[], generation: Generation, flags: string): boolean;
  unknown(): void;
  /** The session uses another transport now; `waited`: it changed while this poll waited. */
  moved(waited: boolean, transport: string): void;
  /** Another live poll of the session is registered. */
  overlap(): Promise<void>;
  /** The client dropped this poll while it waited (it was unregistered). */
  dropped(): Promise<void>;
  /** Delivered entries could not be written: the client left with them in flight. */
  lost(): Promise<void>;
  /** The poll waited `idleAfter` ms with nothing to say (it was unregistered). */
  idle(): void;
  /** The server is stopping: end the poll so the client polls again, elsewhere. */
  stop(): void;
}

/** A GET held on this worker. */
interface PendingPoll {
  sid: string;
  pollId: string;
  sink: PollSink;
  /** The store transport name polled. */
  transport: string;
  /** The store has this poll registered as the session's waiter. */
  registered: boolean;
  running: boolean;
  /**
   * A wake arrived while the store call was in flight. Wakes come over the
   * store's message channel, replies over its command connection; a wake
   * can overtake the reply that registered the poll, and must not be lost.
   */
  wokenEarly: boolean;
  /** When it was last registered (epoch ms). */
  since: number;
  /** When the GET arrived (performance.now()), for poll_wait_seconds. */
  arrived: number;
  idleTimer: NodeJS.Timeout | null;
}

/**
 * The long-polls held on this worker, whatever their protocol: each one
 * drains the session's queue in the store or registers as its waiter and is
 * woken (by any worker's push) through a store message.
 */
export class Poller {
  readonly #engine: EngineServices;
  readonly #polls = new Map<string, PendingPoll>();
  #seq = 0;

  constructor(engine: EngineServices) {
    this.#engine = engine;
    engine.rpc.on('poll', (m) => ({ t: 'poll', waiting: this.isWaiting(m.sid, m.pollId) }));
  }

  /** Holds `sink`'s GET for session `sid` until there is something to answer. */
  async start(sid: string, transport: string, sink: PollSink): Promise<void> {
    const p: PendingPoll = {
      sid,
      pollId: String(++this.#seq),
      sink,
      transport,
      registered: false,
      running: false,
      wokenEarly: false,
      since: 0,
      arrived: performance.now(),
      idleTimer: null,
    };
    this.#polls.set(p.pollId, p);
    sink.ex.onAbort(() => this.#aborted(p));
    await this.#run(p);
  }

  /** Whether poll `pollId` of session `sid` is still waiting here (asked by other workers). */
  isWaiting(sid: string, pollId: string): boolean {
    const p = this.#polls.get(pollId);
    return p !== undefined && p.sid === sid && p.registered && p.sink.ex.open;
  }

  wake(sid: string, pollId: string): void {
    const p = this.#polls.get(pollId);
    if (!p || p.sid !== sid) return;
    if (p.running) p.wokenEarly = true;
    else if (p.registered) void this.#run(p);
  }

  /**
   * Re-polls waiting polls registered before `olderThan` (all of them by
   * default). A wake is a pub/sub message and can be lost when the store's
   * connection drops; the session's `woken` flag would then suppress every
   * later wake, so a poll that waited a whole ping interval checks again.
   */
  repoll(olderThan = Infinity): void {
    for (const p of this.#polls.values()) {
      if (p.registered && !p.running && p.since < olderThan) void this.#run(p);
    }
  }

  /** Long-polls of session `sid` registered as waiting on this worker. */
  waitingFor(sid: string): number {
    let n = 0;
    for (const p of this.#polls.values()) if (p.registered && p.sid === sid) n++;
    return n;
  }

  /** Long-polls registered as waiting on this worker. */
  waitingCount(): number {
    let n = 0;
    for (const p of this.#polls.values()) if (p.registered) n++;
    return n;
  }

  /** Ends every held poll so its client polls again (elsewhere). */
  closeAll(): void {
    for (const p of this.#polls.values()) {
      this.#forget(p);
      this.#answered(p);
      p.sink.stop();
    }
    this.#polls.clear();
  }

  async #run(p: PendingPoll, steal?: PollHolder): Promise<void> {
    const engine = this.#engine;
    p.running = true;
    p.wokenEarly = false;
    let r: PollResult;
    try {
      r = await engine.store.poll(p.sid, p.transport, p.pollId, steal, p.sink.request);
    } catch (err) {
      this.#forget(p);
      if (p.sink.ex.streaming) p.sink.ex.end();
      else engine.storeUnavailable(p.sink.ex, err);
      return;
    } finally {
      p.running = false;
    }
    switch (r.kind) {
      case 'data': {
        engine.metrics.queueDrained(r.entries.length);
        if (p.sink.stream) {
          p.registered = false;
          if (!p.sink.deliver(r.entries, r.generation, r.flags)) {
            this.#forget(p);
            await p.sink.lost();
            return;
          }
          // Still streaming: wait for more on the same answer.
          return this.#run(p);
        }
        this.#forget(p);
        this.#answered(p);
        if (!p.sink.deliver(r.entries, r.generation, r.flags)) await p.sink.lost();
        return;
      }
      case 'wait':
        if (!p.registered) this.#armIdle(p);
        p.registered = true;
        p.since = Date.now();
        if (!p.sink.ex.open) await this.#cancel(p);
        else if (p.wokenEarly) return this.#run(p);
        return;
      case 'unknown':
        this.#forget(p);
        p.sink.unknown();
        return;
      case 'transport': {
        const waited = p.registered;
        this.#forget(p);
        if (waited) this.#answered(p);
        p.sink.moved(waited, r.transport);
        return;
      }
      case 'busy':
        return this.#overlap(p, r.holder);
    }
  }

  /**
   * Another GET is registered for the session. If it is still waiting this
   * is an overlapping request. If its worker is dead (a load balancer
   * retried the poll after the worker was killed) or the poll is gone, take
   * its place.
   */
  async #overlap(p: PendingPoll, holder: PollHolder): Promise<void> {
    const engine = this.#engine;
    let alive: boolean;
    if (holder.worker === engine.workerId) alive = this.isWaiting(p.sid, holder.pollId);
    else if (engine.deadWorkers.has(holder.worker)) alive = false;
    else {
      const r = await engine.rpc.call(holder.worker, { t: 'poll', sid: p.sid, pollId: holder.pollId });
      alive = r?.t === 'poll' && r.waiting;
    }
    if (!alive) return this.#run(p, holder);
    this.#forget(p);
    await p.sink.overlap();
  }

  #armIdle(p: PendingPoll): void {
    const ms = p.sink.idleAfter;
    if (ms <= 0 || p.idleTimer) return;
    p.idleTimer = setTimeout(() => {
      p.idleTimer = null;
      void this.#idle(p);
    }, ms);
  }

  async #idle(p: PendingPoll): Promise<void> {
    // A drain in flight answers the poll with whatever it finds.
    if (this.#polls.get(p.pollId) !== p || !p.registered || p.running) return;
    // No wake may start a drain on an answer that is about to be written.
    p.registered = false;
    this.#forget(p);
    try {
      await this.#engine.store.unpoll(p.sid, p.pollId);
    } catch (err) {
      this.#engine.storeFailed(err, 'unpoll');
    }
    // Whatever was pushed meanwhile stays queued for the next poll.
    this.#answered(p);
    p.sink.idle();
  }

  #aborted(p: PendingPoll): void {
    if (this.#polls.get(p.pollId) !== p) return;
    this.#forget(p);
    // If the store call is still in flight, #run sees the closed exchange.
    if (p.registered && !p.running) void this.#cancel(p);
  }

  /** A registered poll was dropped by its client. */
  async #cancel(p: PendingPoll): Promise<void> {
    this.#forget(p);
    try {
      if (await this.#engine.store.unpoll(p.sid, p.pollId)) await p.sink.dropped();
    } catch (err) {
      this.#engine.storeFailed(err, 'unpoll');
    }
  }

  #forget(p: PendingPoll): void {
    if (this.#polls.get(p.pollId) === p) this.#polls.delete(p.pollId);
    if (p.idleTimer) clearTimeout(p.idleTimer);
    p.idleTimer = null;
  }

  #answered(p: PendingPoll): void {
    this.#engine.metrics.pollAnswered((performance.now() - p.arrived) / 1000);
  }
}
