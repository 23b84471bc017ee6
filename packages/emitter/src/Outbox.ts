import type { BusInput } from '@nonstick/server/wire';

/** What an outbox appends entries to (a `RedisBus`, or any `Bus`). */
export interface Sink {
  publish(entry: BusInput): Promise<string>;
}

/**
 * The entries an emitter (and every emitter `of()` made from it) hands to
 * the bus. Emitting is fire-and-forget as in socket.io's emitters; the
 * outbox keeps what is in flight so that `flush()` can say when it is all
 * in the stream, and hands failures to `onError`.
 */
export class Outbox {
  readonly #sink: Sink;
  readonly #onError: (error: unknown) => void;
  readonly #inFlight = new Set<Promise<unknown>>();

  constructor(sink: Sink, onError: (error: unknown) => void) {
    this.#sink = sink;
    this.#onError = onError;
  }

  send(entry: BusInput): void {
    const p = this.#sink.publish(entry);
    this.#inFlight.add(p);
    p.then(
      () => this.#inFlight.delete(p),
      (err: unknown) => {
        this.#inFlight.delete(p);
        this.#onError(err);
      },
    );
  }

  /** Resolves once everything sent so far is in the log; rejects with the first failure among them. */
  async flush(): Promise<void> {
    const results = await Promise.allSettled([...this.#inFlight]);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }
}
