/**
 * What this worker answers to other workers' `WorkerRpc` requests: the
 * engine's own questions, and those of layers above registered by prefix.
 */
export class RpcAnswers {
  readonly #rpcHandlers = new Map<string, (body: string) => string | Promise<string>>();
  readonly #isWaiting: (sid: string, pollId: string) => boolean;

  /** `isWaiting`: whether a poll of ours is still waiting (the poller's answer). */
  constructor(isWaiting: (sid: string, pollId: string) => boolean) {
    this.#isWaiting = isWaiting;
  }

  /** Lets a layer above answer requests from other workers whose body starts with `prefix` (e.g. `sio:`). */
  onRpc(prefix: string, handler: (body: string) => string | Promise<string>): void {
    this.#rpcHandlers.set(prefix, handler);
  }

  answer(body: string): string | Promise<string> {
    for (const [prefix, h] of this.#rpcHandlers) if (body.startsWith(prefix)) return h(body.slice(prefix.length));
    // `p <sid> <pollId>`: is this poll of ours still waiting?
    if (body.startsWith('p ')) {
      const [, sid, pollId] = body.split(' ');
      return sid !== undefined && pollId !== undefined && this.#isWaiting(sid, pollId) ? '1' : '0';
    }
    return '';
  }
}
