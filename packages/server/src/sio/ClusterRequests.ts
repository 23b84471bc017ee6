import type { Engine } from '../engine/Engine.js';
import type { SocketDetails } from './RemoteSocket.js';
import { encodeServerSide, type AckTarget } from './wire.js';

/**
 * Requests that need answers from other workers: broadcast acks (each
 * worker reports how many sockets it wrote to, then each socket's answer),
 * serverSideEmit acks (one answer per other worker) and fetchSockets (each
 * worker describes its matching sockets). Answers travel as one-way worker
 * messages to the emitting worker; the bus carries the requests themselves.
 */
export class ClusterRequests {
  readonly #engine: Engine;
  readonly #publish: (input: ReturnType<typeof encodeServerSide>) => void;
  readonly #pending = new Map<string, PendingAck>();
  readonly #describe: (nsp: string, rooms: string[], except: string[]) => SocketDetails[];
  readonly #holds: (sid: string) => boolean;
  #seq = 0;

  constructor(
    engine: Engine,
    publish: (input: ReturnType<typeof encodeServerSide>) => void,
    describe: (nsp: string, rooms: string[], except: string[]) => SocketDetails[],
    holds: (sid: string) => boolean,
  ) {
    this.#engine = engine;
    this.#publish = publish;
    this.#describe = describe;
    this.#holds = holds;
    engine.rpc.on('holds', (m) => ({ t: 'holds', holds: this.#holds(m.sid) }));
    engine.rpc.on('fetch', (m) => ({ t: 'fetch', sockets: this.#describe(m.nsp, m.rooms, m.except) }));
    engine.rpc.on('ack-count', (m) => this.#pending.get(m.req)?.count(m.n));
    engine.rpc.on('ack-response', (m) => this.#pending.get(m.req)?.respond(m.value));
  }

  openBroadcastAck(timeout: number | undefined, cb: (err: Error | null, responses: unknown[]) => void): PendingAck {
    const id = String(++this.#seq);
    const req = new PendingAck(id, timeout, cb, () => this.#pending.delete(id));
    this.#pending.set(id, req);
    return req;
  }

  reportCount(to: AckTarget, n: number): void {
    if (to.worker === this.#engine.workerId) this.#pending.get(to.id)?.count(n);
    else void this.#engine.rpc.notify(to.worker, { t: 'ack-count', req: to.id, n }).catch(() => {});
  }

  reportResponse(to: AckTarget, value: unknown): void {
    if (to.worker === this.#engine.workerId) this.#pending.get(to.id)?.respond(value);
    else void this.#engine.rpc.notify(to.worker, { t: 'ack-response', req: to.id, value: value ?? null }).catch(() => {});
  }

  serverSideEmit(nsp: string, args: unknown[], cb: ((err: Error | null, responses: unknown[]) => void) | null, timeout: number | undefined): void {
    const me = this.#engine.workerId;
    if (!cb) {
      this.#publish(encodeServerSide({ nsp, args, reply: null, from: me }));
      return;
    }
    const req = this.openBroadcastAck(timeout ?? 5000, cb);
    this.#publish(encodeServerSide({ nsp, args, reply: { worker: me, id: req.id }, from: me }));
    this.#engine.store.workers().then(
      (ws) => {
        const others = ws.filter((w) => w !== me).length;
        req.expectWorkers(1);
        req.count(others);
      },
      (err) => cb(err as Error, []),
    );
  }

  /** Describes matching sockets on every other live worker. */
  async fetchRemote(nsp: string, rooms: string[], except: string[]): Promise<SocketDetails[]> {
    const me = this.#engine.workerId;
    const workers = (await this.#engine.store.workers()).filter((w) => w !== me);
    const answers = await Promise.all(workers.map((w) => this.#engine.rpc.call(w, { t: 'fetch', nsp, rooms, except })));
    // A worker that did not answer in time is taken for dead; one that could not answer has nothing to add.
    return answers.flatMap((a) => (a?.t === 'fetch' ? a.sockets : []));
  }

  /** Whether `worker` answers that it still serves session `sid`; false when it does not answer (dead). */
  async workerHolds(worker: string, sid: string): Promise<boolean> {
    const r = await this.#engine.rpc.call(worker, { t: 'holds', sid });
    return r?.t === 'holds' && r.holds;
  }

  close(): void {
    for (const p of [...this.#pending.values()]) p.fail(new Error('server closed'));
  }
}

/**
 * Completes when every expected worker reported its count and that many
 * responses arrived, or fails with socket.io's timeout error and what came.
 */
export class PendingAck {
  readonly id: string;
  readonly #cb: (err: Error | null, responses: unknown[]) => void;
  readonly #done: () => void;
  readonly #responses: unknown[] = [];
  #expectedWorkers = -1;
  #reported = 0;
  #expected = 0;
  #timer: NodeJS.Timeout | null = null;
  #finished = false;

  constructor(id: string, timeout: number | undefined, cb: (err: Error | null, responses: unknown[]) => void, done: () => void) {
    this.id = id;
    this.#cb = cb;
    this.#done = done;
    if (timeout !== undefined) this.#timer = setTimeout(() => this.fail(new Error('operation has timed out')), timeout);
  }

  expectWorkers(n: number): void {
    this.#expectedWorkers = n;
    this.#check();
  }

  count(n: number): void {
    this.#reported++;
    this.#expected += n;
    this.#check();
  }

  respond(value: unknown): void {
    if (this.#finished) return;
    this.#responses.push(value);
    this.#check();
  }

  fail(err: Error): void {
    if (this.#finished) return;
    this.#finish();
    this.#cb(err, this.#responses);
  }

  #check(): void {
    if (this.#finished || this.#expectedWorkers < 0) return;
    if (this.#reported >= this.#expectedWorkers && this.#responses.length >= this.#expected) {
      this.#finish();
      this.#cb(null, this.#responses);
    }
  }

  #finish(): void {
    this.#finished = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#done();
  }
}
