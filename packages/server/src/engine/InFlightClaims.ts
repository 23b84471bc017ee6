/**
 * Claims of dead workers' sessions in flight on this worker.
 *
 * Once a claim's store step has run, this worker owns the session in the
 * store, but its local socket exists only when the claim's reply is back.
 * In between, two things can reach this worker for that session:
 * - an inbox notice (another worker relayed the client's messages here),
 *   which can overtake the claim's reply because it comes on the subscriber
 *   connection. Dropped, it would leave those entries in the inbox until the
 *   client's next relayed request, which may never come: the claim remembers
 *   it and drains the inbox once the socket exists;
 * - a request of the client answered as the owner's (its entries handed to
 *   the local socket): it waits for the claim rather than finding no socket
 *   and dropping them.
 */
export class InFlightClaims {
  readonly #claims = new Map<string, Claim>();

  /** Runs `op` as a claim of `sid`; `op` reads `claim.missedInbox` once its store step is back. */
  async track<T>(sid: string, op: (claim: Claim) => Promise<T>): Promise<T> {
    let c = this.#claims.get(sid);
    if (!c) this.#claims.set(sid, (c = new Claim()));
    const p = op(c);
    c.add(p);
    try {
      return await p;
    } finally {
      if (c.remove(p)) this.#claims.delete(sid);
    }
  }

  /** An inbox notice found no socket: a claim of that sid in flight drains for it. */
  noteInbox(sid: string): void {
    const c = this.#claims.get(sid);
    if (c) c.missedInbox = true;
  }

  /** Settles when no claim of `sid` is in flight here any more (at once if none is). */
  async finished(sid: string): Promise<void> {
    for (let c = this.#claims.get(sid); c; c = this.#claims.get(sid)) await c.settled();
  }
}

class Claim {
  missedInbox = false;
  readonly #running = new Set<Promise<unknown>>();

  add(p: Promise<unknown>): void {
    this.#running.add(p);
  }

  /** True when it was the last one running. */
  remove(p: Promise<unknown>): boolean {
    this.#running.delete(p);
    return this.#running.size === 0;
  }

  async settled(): Promise<void> {
    await Promise.allSettled([...this.#running]);
  }
}
