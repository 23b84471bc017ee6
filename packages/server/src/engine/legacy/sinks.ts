import type { Exchange } from '../../http/Exchange.js';
import type { Generation } from '../../store/Store.js';
import type { EngineServices } from '../services.js';
import type { PollSink } from '../Poller.js';

/**
 * A long-poll GET of the legacy generations (0.9's and 0.6's xhr-polling
 * and jsonp-polling): one answer, in the generation's encoding. What the
 * two share is how a poll that has nothing to say ends; subclasses encode.
 */
export abstract class LegacyAnswerPoll implements PollSink {
  readonly stream = false;
  // 0.9 and 0.6 stamp requests with the time in ms, which two consecutive
  // polls can share: a replay could not be told from the next poll.
  readonly request = '';
  readonly ex: Exchange;
  readonly idleAfter: number;
  protected readonly engine: EngineServices;
  protected sid: string;

  constructor(engine: EngineServices, ex: Exchange, sid: string, pollingDuration: number) {
    this.engine = engine;
    this.ex = ex;
    this.sid = sid;
    this.idleAfter = pollingDuration;
  }

  abstract deliver(entries: string[], generation: Generation, flags: string): boolean;
  abstract unknown(): void;
  /** Writes the answer; false if the client is gone. */
  protected abstract answer(payload: string): boolean;
  /** The answer that says nothing (`8::` for 0.9, an empty body for 0.6). */
  protected abstract readonly nothing: string;

  moved(): void {
    this.answer(this.nothing);
  }

  /** Another poll of the session waits: this one ends at once, the client polls again. */
  async overlap(): Promise<void> {
    this.answer(this.nothing);
  }

  /** The client gave up the poll: its session lives on until the close timeout. */
  async dropped(): Promise<void> {}

  /** The client left with packets in flight: the session cannot go on consistently. */
  lost(): Promise<void> {
    return this.engine.closeSession(this.sid, 'transport error', 'poll connection closed prematurely');
  }

  idle(): void {
    this.answer(this.nothing);
  }

  stop(): void {
    this.answer(this.nothing);
  }
}

/**
 * A streaming GET of the legacy generations (0.9's htmlfile, 0.6's htmlfile
 * and xhr-multipart): one endless answer, a chunk per delivery, heartbeats
 * written by the worker holding it (subclasses schedule them in `timer`).
 * When the stream ends the session ends: neither 0.9 nor 0.6 gave streams a
 * grace period.
 */
export abstract class LegacyStream implements PollSink {
  readonly stream = true;
  // One answer carries many deliveries: none of them can be replayed.
  readonly request = '';
  readonly idleAfter = 0;
  readonly ex: Exchange;
  protected readonly engine: EngineServices;
  protected sid: string;
  protected timer: NodeJS.Timeout | null = null;

  constructor(engine: EngineServices, ex: Exchange, sid: string) {
    this.engine = engine;
    this.ex = ex;
    this.sid = sid;
  }

  abstract deliver(entries: string[], generation: Generation, flags: string): boolean;
  abstract unknown(): void;

  moved(): void {
    this.end();
  }

  async overlap(): Promise<void> {
    this.end();
  }

  dropped(): Promise<void> {
    this.stopHeartbeats();
    return this.engine.closeSession(this.sid, 'transport close');
  }

  lost(): Promise<void> {
    return this.dropped();
  }

  idle(): void {}

  stop(): void {
    this.end();
  }

  protected end(): void {
    this.stopHeartbeats();
    this.ex.end();
  }

  protected stopHeartbeats(): void {
    // Both setInterval and setTimeout timers: clearTimeout clears either.
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
