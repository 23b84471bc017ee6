import type { Store, WorkerMessage } from '../store/Store.js';

type Pending = { resolve: (body: string | null) => void; timer: NodeJS.Timeout };

/**
 * Request/response between workers over the store's message channel. A
 * worker that does not answer within the timeout is treated as dead by the
 * caller: that is how a retried long-poll tells a stale waiter (its worker
 * was killed) from a real overlapping request.
 */
export class WorkerRpc {
  readonly #store: Store;
  readonly #me: string;
  readonly #timeout: number;
  readonly #handle: (body: string) => string | Promise<string>;
  readonly #pending = new Map<string, Pending>();
  #seq = 0;

  constructor(store: Store, me: string, timeout: number, handle: (body: string) => string | Promise<string>) {
    this.#store = store;
    this.#me = me;
    this.#timeout = timeout;
    this.#handle = handle;
  }

  /** One-way message to another worker's handler: no answer is sent or awaited. */
  notify(worker: string, body: string): Promise<void> {
    return this.#store.send(worker, { t: 'req', id: '', from: this.#me, body });
  }

  /** Resolves with the answer, or null if none came in time. */
  call(worker: string, body: string, timeout = this.#timeout): Promise<string | null> {
    const id = `${this.#me}.${++this.#seq}`;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        resolve(null);
      }, timeout);
      this.#pending.set(id, { resolve, timer });
      this.#store.send(worker, { t: 'req', id, from: this.#me, body }).catch(() => {
        clearTimeout(timer);
        this.#pending.delete(id);
        resolve(null);
      });
    });
  }

  onMessage(m: Extract<WorkerMessage, { t: 'req' } | { t: 'res' }>): void {
    if (m.t === 'res') {
      const p = this.#pending.get(m.id);
      if (!p) return;
      this.#pending.delete(m.id);
      clearTimeout(p.timer);
      p.resolve(m.body);
      return;
    }
    let answer: string | Promise<string>;
    try {
      answer = this.#handle(m.body);
    } catch {
      answer = '';
    }
    if (m.id === '') {
      if (typeof answer !== 'string') answer.catch(() => {});
      return;
    }
    Promise.resolve(answer).then(
      (body) => this.#store.send(m.from, { t: 'res', id: m.id, body }),
      () => this.#store.send(m.from, { t: 'res', id: m.id, body: '' }),
    ).catch(() => {});
  }

  close(): void {
    for (const p of this.#pending.values()) {
      clearTimeout(p.timer);
      p.resolve(null);
    }
    this.#pending.clear();
  }
}
