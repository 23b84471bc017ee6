import type { Store, WorkerMessage } from '@nonstick/server';

export interface TestWorker {
  id: string;
  store: Store;
  messages: WorkerMessage[];
  waitFor(pred: (m: WorkerMessage) => boolean, timeoutMs?: number): Promise<WorkerMessage>;
}

let seq = 0;

/** Starts `store` as a worker that records its messages (like the contract suite's workers). */
export async function startWorker(store: Store, id = `w${process.pid}-${++seq}`): Promise<TestWorker> {
  const messages: WorkerMessage[] = [];
  const waiters = new Set<{ pred: (m: WorkerMessage) => boolean; resolve: (m: WorkerMessage) => void }>();
  await store.start(id, (m) => {
    messages.push(m);
    for (const w of waiters) if (w.pred(m)) w.resolve(m);
  });
  return {
    id,
    store,
    messages,
    waitFor(pred, timeoutMs = 3000) {
      const found = messages.find(pred);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const w = {
          pred,
          resolve: (m: WorkerMessage) => {
            clearTimeout(timer);
            waiters.delete(w);
            resolve(m);
          },
        };
        const timer = setTimeout(() => {
          waiters.delete(w);
          reject(new Error(`worker ${id}: no matching message; got ${JSON.stringify(messages)}`));
        }, timeoutMs);
        waiters.add(w);
      });
    },
  };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `cond` until it holds or `timeoutMs` passes. */
export async function until(cond: () => boolean | Promise<boolean>, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}
