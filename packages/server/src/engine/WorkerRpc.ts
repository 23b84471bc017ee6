import {
  decodeRpcMessage,
  decodeRpcReply,
  encodeRpc,
  type HandlerResult,
  type ReplyTo,
  type RpcMessage,
  type RpcNotice,
  type RpcReply,
  type RpcRequest,
} from '../cluster/messages.js';
import type { Store, WorkerMessage } from '../store/Store.js';

type Pending = { resolve: (body: string | null) => void; timer: NodeJS.Timeout };

export type RpcHandler<T extends RpcMessage['t']> = (m: Extract<RpcMessage, { t: T }>) => HandlerResult<T> | Promise<HandlerResult<T>>;

type AnyHandler = (m: RpcMessage) => RpcReply | void | Promise<RpcReply | void>;

const ERROR: Extract<RpcReply, { t: 'error' }> = { t: 'error' };

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
  readonly #handlers = new Map<RpcMessage['t'], AnyHandler>();
  readonly #pending = new Map<string, Pending>();
  #seq = 0;

  constructor(store: Store, me: string, timeout: number) {
    this.#store = store;
    this.#me = me;
    this.#timeout = timeout;
    this.on('ping', () => ({ t: 'ping' }));
  }

  /** Answers messages of type `t` from other workers; one handler per type. */
  on<T extends RpcMessage['t']>(t: T, handler: RpcHandler<T>): void {
    // Sound: the map is keyed by `t`, and a handler is only called with a message of its key.
    this.#handlers.set(t, handler as unknown as AnyHandler);
  }

  /** One-way message to another worker's handler: no answer is sent or awaited. */
  async notify(worker: string, message: RpcNotice): Promise<void> {
    await this.#store.send(worker, { t: 'req', id: '', from: this.#me, body: encodeRpc(message) });
  }

  /**
   * Resolves with the answer, `{ t: 'error' }` if the worker answered but
   * could not answer this request, or null if no answer came in time.
   */
  async call<R extends RpcRequest>(worker: string, request: R, timeout = this.#timeout): Promise<ReplyTo<R['t']> | { t: 'error' } | null> {
    const body = await this.#send(worker, encodeRpc(request), timeout);
    if (body === null) return null;
    const reply = decodeRpcReply(body);
    return reply && reply.t === request.t ? (reply as ReplyTo<R['t']>) : ERROR;
  }

  /** Whether `worker` answers at all within the timeout. */
  async ping(worker: string): Promise<boolean> {
    return (await this.call(worker, { t: 'ping' })) !== null;
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
    const answer = this.#answer(m.body);
    if (m.id === '') {
      if (answer instanceof Promise) answer.catch(() => {});
      return;
    }
    Promise.resolve(answer)
      .then(
        (reply) => this.#store.send(m.from, { t: 'res', id: m.id, body: encodeRpc(reply ?? ERROR) }),
        () => this.#store.send(m.from, { t: 'res', id: m.id, body: encodeRpc(ERROR) }),
      )
      .catch(() => {});
  }

  close(): void {
    for (const p of this.#pending.values()) {
      clearTimeout(p.timer);
      p.resolve(null);
    }
    this.#pending.clear();
  }

  #answer(body: string): RpcReply | void | Promise<RpcReply | void> {
    const message = decodeRpcMessage(body);
    const handler = message && this.#handlers.get(message.t);
    if (!message || !handler) return ERROR;
    try {
      return handler(message);
    } catch {
      return ERROR;
    }
  }

  #send(worker: string, body: string, timeout: number): Promise<string | null> {
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
}
