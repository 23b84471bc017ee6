import type { Engine } from '../engine/Engine.js';
import type { SocketDetails } from './RemoteSocket.js';
import { encodeServerSide } from './wire.js';

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
    engine.onRpc('sio:', (body) => this.#answer(body));
  }

  openBroadcastAck(timeout: number | undefined, cb: (err: Error | null, responses: unknown[]) => void): PendingAck {
    const id = String(++this.#seq);
    const req = new PendingAck(id, timeout, cb, () => this.#pending.delete(id));
    this.#pending.set(id, req);
    return req;
  }

  reportCount(worker: string, reqId: string, n: number): void {
    if (worker === this.#engine.workerId) this.#pending.get(reqId)?.count(n);
    else void this.#engine.rpc.notify(worker, `sio:c ${reqId} ${n}`).catch(() => {});
  }

  reportResponse(worker: string, reqId: string, value: unknown): void {
    if (worker === this.#engine.workerId) this.#pending.get(reqId)?.respond(value);
    else void this.#engine.rpc.notify(worker, `sio:r ${reqId} ${JSON.stringify(value ?? null)}`).catch(() => {});
  }

  serverSideEmit(nsp: string, args: unknown[], cb: ((err: Error | null, responses: unknown[]) => void) | null, timeout: number | undefined): void {
    const me = this.#engine.workerId;
    if (!cb) {
      this.#publish(encodeServerSide({ nsp, args, reply: '', from: me }));
      return;
    }
    const req = this.openBroadcastAck(timeout ?? 5000, cb);
    this.#publish(encodeServerSide({ nsp, args, reply: `${me} ${req.id}`, from: me }));
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
  async fetchRemote(query: string): Promise<SocketDetails[]> {
    const me = this.#engine.workerId;
    const workers = (await this.#engine.store.workers()).filter((w) => w !== me);
    const answers = await Promise.all(workers.map((w) => this.#engine.rpc.call(w, `sio:f ${query}`)));
    const out: SocketDetails[] = [];
    for (const a of answers) {
      if (!a) continue; // a worker that did not answer in time is taken for dead
      try {
        const list = JSON.parse(a) as SocketDetails[];
        if (Array.isArray(list)) out.push(...list);
      } catch {
        // a garbled answer counts as no answer
      }
    }
    return out;
  }

  /** Whether `worker` answers that it still serves session `sid`; false when it does not answer (dead). */
  async workerHolds(worker: string, sid: string): Promise<boolean> {
    return (await this.#engine.rpc.call(worker, `sio:h ${sid}`)) === '1';
  }

  close(): void {
    for (const p of [...this.#pending.values()]) p.fail(new Error('server closed'));
  }

  #answer(body: string): string {
    const kind = body[0];
    const rest = body.slice(2);
    if (kind === 'h') return this.#holds(rest) ? '1' : '0';
    if (kind === 'f') {
      const q = JSON.parse(rest) as { n: string; r: string[]; e: string[] };
      return JSON.stringify(this.#describe(q.n, q.r, q.e));
    }
    const sp = rest.indexOf(' ');
    const reqId = rest.slice(0, sp);
    const req = this.#pending.get(reqId);
    if (!req) return '';
    if (kind === 'c') req.count(Number(rest.slice(sp + 1)));
    else if (kind === 'r') req.respond(JSON.parse(rest.slice(sp + 1)));
    return '';
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
