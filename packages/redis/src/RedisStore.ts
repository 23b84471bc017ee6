import { EventEmitter } from 'node:events';
import {
  DEFAULT_STORE_LIMITS,
  decodeWorkerMessage,
  encodeWorkerMessage,
  type BeginUpgradeResult,
  type ClaimResult,
  type Ingest,
  type IngestResult,
  type MessageHandler,
  type PollHolder,
  type PollResult,
  type SessionInit,
  type SessionRecord,
  type SettleResult,
  type Store,
  type StoreLimits,
  type SweepResult,
  type UpgradeResult,
  type WorkerMessage,
} from '@nonstick/server';
import { closeClient, createClient, timeCommands, watchClient, type Client, type ConnectionOptions, type StatusEvent } from './connection.js';
import { RECORD_FIELDS, toRecord } from './decode.js';
import { checkPrefix, DEFAULT_PREFIX, isTaggable, Keys } from './keys.js';
import {
  decodeBeginUpgradeReply,
  decodeClaimDueReply,
  decodeClaimReply,
  decodeCloseReply,
  decodeCompleteUpgradeReply,
  decodeDestroyReply,
  decodeDrainInboxReply,
  decodeGetStateReply,
  decodeHeartbeatReply,
  decodeIngestReply,
  decodePollReply,
  decodePushReply,
  decodeSettleReply,
  decodeUnpollReply,
  defineScripts,
  type HeartbeatReply,
  type Scripts,
} from './scripts/index.js';

export interface RedisStoreOptions extends ConnectionOptions {
  /** Prefix of every key and channel (default `ns`): several deployments can share one Redis. */
  prefix?: string;
  /** `closeLinger` is how long a closed session's keys live on (a PEXPIRE). */
  limits?: Partial<StoreLimits>;
  /**
   * How long a heartbeat sweeper holds the due sessions it took (ms, default
   * 5000): other workers' sweepers skip them meanwhile, and take them again
   * if this worker dies before rescheduling them.
   */
  heartbeatLease?: number;
}

export interface RedisStoreEvents {
  /** Connection state changes and background errors, for logs and metrics. */
  status: [StatusEvent];
}

const EMPTY: readonly string[] = [];

/**
 * The `Store` contract on Redis. Every operation on a session is one Lua
 * script over that session's keys (one hash slot); the global indexes (owner
 * sets, heartbeat schedule) are updated with separate commands around it, in
 * an order that keeps them supersets of the truth: entries are added before
 * the script that needs them and removed after the script that made them
 * stale. The scripts read the session hash and are the authority; stale
 * index entries cost a wasted look, never a wrong result.
 */
export class RedisStore extends EventEmitter<RedisStoreEvents> implements Store {
  readonly kind = 'redis';
  readonly distributed = true;
  readonly limits: StoreLimits;
  readonly keys: Keys;
  readonly heartbeatLease: number;
  readonly #client: Client;
  readonly #subscriber: Client;
  readonly #scripts: Scripts;
  #me = '';
  #handler: MessageHandler | null = null;
  #renewTimer: NodeJS.Timeout | null = null;
  #running = false;

  constructor(options: RedisStoreOptions = {}) {
    super();
    this.limits = { ...DEFAULT_STORE_LIMITS, ...options.limits };
    this.keys = new Keys(checkPrefix(options.prefix ?? DEFAULT_PREFIX));
    this.heartbeatLease = options.heartbeatLease ?? 5000;
    this.#client = createClient(options);
    // Same settings, own socket: SUBSCRIBE puts a connection in subscriber
    // mode, and ioredis re-subscribes it after every reconnect.
    this.#subscriber = this.#client.duplicate();
    if (options.onCommand) timeCommands(this.#client, options.onCommand);
    this.#scripts = defineScripts(this.#client, this.keys.prefix);
    const report = (e: StatusEvent): void => this.#onStatus(e);
    watchClient(this.#client, 'command', report);
    watchClient(this.#subscriber, 'subscriber', report);
    this.#subscriber.on('message', (_channel: string, message: string) => this.#deliver(message));
  }

  /** The command connection (for metrics or admin commands; do not close it). */
  get client(): Client {
    return this.#client;
  }

  /** The subscriber connection (status only: it is in subscriber mode). */
  get subscriber(): Client {
    return this.#subscriber;
  }

  get workerId(): string {
    return this.#me;
  }

  async start(workerId: string, onMessage: MessageHandler): Promise<void> {
    if (this.#running) throw new Error(`RedisStore: already started as ${this.#me}`);
    this.#me = workerId;
    this.#handler = onMessage;
    try {
      await Promise.all([this.#client.connect(), this.#subscriber.connect()]);
      await this.#subscriber.subscribe(this.keys.channel(workerId));
      await this.#renew();
    } catch (err) {
      // Leave nothing reconnecting in the background behind a failed start.
      this.#handler = null;
      await Promise.all([closeClient(this.#client), closeClient(this.#subscriber)]);
      throw err;
    }
    this.#running = true;
    this.#renewTimer = setInterval(
      () => {
        this.#renew().catch((error: Error) => this.#backgroundError(error));
      },
      Math.max(10, Math.floor(this.limits.workerTtl / 3)),
    );
    this.#renewTimer.unref();
  }

  async stop(): Promise<void> {
    const wasRunning = this.#running;
    this.#running = false;
    if (this.#renewTimer) clearInterval(this.#renewTimer);
    this.#renewTimer = null;
    this.#handler = null;
    // Expire at once rather than forget: the sessions it owned are orphans
    // for the other workers to take over. If Redis is unreachable the lease
    // simply runs out.
    if (wasRunning) await this.#client.zadd(this.keys.workers, 0, this.#me).catch(() => {});
    await Promise.all([closeClient(this.#client), closeClient(this.#subscriber)]);
  }

  async create(init: SessionInit): Promise<void> {
    const sid = init.sid;
    if (!isTaggable(sid)) throw new TypeError(`RedisStore: session id ${JSON.stringify(sid)} cannot be a hash tag`);
    const k = this.keys;
    const now = Date.now();
    const nextPing = now + init.pingInterval;
    const clientBeats = init.heartbeat === 'client';
    const deadline = clientBeats ? nextPing + init.pingTimeout : 0;
    const due = init.storeHeartbeat ? (clientBeats ? deadline : nextPing) : 0;
    // Index and schedule first: sent in this order on one connection, they
    // are in place by the time the session exists (a session missing from
    // them would never be adopted or timed out), while an entry for a session
    // whose creation failed is only a stale hint.
    const ops: Promise<unknown>[] = [this.#client.sadd(k.owned(init.owner), sid)];
    if (init.storeHeartbeat) ops.push(this.#client.zadd(k.heartbeats, due, sid));
    ops.push(
      this.#scripts.nsCreate(
        k.allKeys(sid),
        'g',
        init.generation,
        't',
        init.transport,
        'o',
        init.owner,
        'e',
        1,
        'p',
        init.persistent ? '1' : '0',
        'h',
        init.storeHeartbeat ? '1' : '0',
        'pi',
        init.pingInterval,
        'pt',
        init.pingTimeout,
        'hm',
        init.heartbeat,
        'pe',
        init.pingEntry,
        'ce',
        init.closeEntry,
        'np',
        nextPing,
        'dl',
        deadline,
        'du',
        due,
        'hs',
        init.handshake,
        'f',
        init.flags,
        'cr',
        now,
        // A persistent transport's owner waits on the queue from the start.
        init.persistent ? ['ww', init.owner, 'wp', '*'] : EMPTY,
        init.settling ? ['sg', '1'] : EMPTY,
      ),
    );
    await Promise.all(ops);
  }

  async get(sid: string): Promise<SessionRecord | null> {
    if (!isTaggable(sid)) return null;
    return toRecord(sid, await this.#client.hmget(this.keys.session(sid), ...RECORD_FIELDS));
  }

  async push(sid: string, entries: string[], ack = 0, mark?: string): Promise<boolean> {
    if (!isTaggable(sid)) return false;
    const l = this.limits;
    const r = decodePushReply(
      await this.#scripts.nsPush(this.keys.allKeys(sid), this.#me, l.maxQueueLength, l.closeLinger, ack, mark === undefined ? '' : '1', mark ?? '', entries),
    );
    if (r.kind === 'overflow') await this.#forget(sid, r.owner); // closed by the overflow
    return r.kind === 'queued';
  }

  async poll(sid: string, transport: string, pollId: string, steal?: PollHolder, request = ''): Promise<PollResult> {
    if (!isTaggable(sid)) return { kind: 'unknown' };
    return decodePollReply(
      await this.#scripts.nsPoll(this.keys.allKeys(sid), this.#me, transport, pollId, steal?.worker ?? '', steal?.pollId ?? '', Date.now(), request),
    );
  }

  async unpoll(sid: string, pollId: string): Promise<boolean> {
    if (!isTaggable(sid)) return false;
    return decodeUnpollReply(await this.#scripts.nsUnpoll(this.keys.session(sid), this.#me, pollId));
  }

  async ingest(sid: string, transport: string, input: Ingest): Promise<IngestResult> {
    if (!isTaggable(sid)) return { kind: 'unknown' };
    const me = this.#me;
    const reply = input.reply ?? EMPTY;
    const closing = input.close !== undefined;
    const r = decodeIngestReply(
      await this.#scripts.nsIngest(
        this.keys.allKeys(sid),
        me,
        transport,
        Date.now(),
        input.heartbeat ?? '',
        closing ? '1' : '',
        input.close ?? '',
        this.limits.closeLinger,
        reply.length,
        reply,
        input.messages,
      ),
    );
    if (r.kind === 'unknown' || r.kind === 'transport') return r;
    let result: IngestResult;
    let owner: string;
    if (r.kind === 'local') {
      owner = me;
      const stored = r.backlog.length;
      result = { kind: 'local', entries: stored > 0 ? r.backlog.concat(input.messages) : input.messages, stored };
    } else {
      owner = r.owner;
      result = { kind: 'relayed', owner, settling: r.settling };
    }
    if (r.closed) await this.#forget(sid, owner);
    else if (r.rescheduleAt > 0) await this.#hintEarlier(sid, r.rescheduleAt);
    return result;
  }

  async drainInbox(sid: string): Promise<string[] | null> {
    if (!isTaggable(sid)) return null;
    return decodeDrainInboxReply(await this.#scripts.nsDrainInbox(this.keys.sessionKeys(sid), this.#me));
  }

  async beginUpgrade(sid: string): Promise<BeginUpgradeResult> {
    if (!isTaggable(sid)) return { kind: 'unknown' };
    return decodeBeginUpgradeReply(sid, await this.#scripts.nsBeginUpgrade(this.keys.session(sid), this.#me));
  }

  async completeUpgrade(sid: string, transport: string): Promise<UpgradeResult | null> {
    if (!isTaggable(sid)) return null;
    const k = this.keys;
    const me = this.#me;
    // Into this worker's index first, so there is no moment when it owns the
    // session without the index saying so (were it to die right then).
    const [, raw] = await Promise.all([this.#client.sadd(k.owned(me), sid), this.#scripts.nsCompleteUpgrade(k.sessionKeys(sid), me, transport)]);
    const r = decodeCompleteUpgradeReply(sid, raw);
    if (!r) return null;
    const { record, previousOwner } = r;
    // The persistent transport is pinged by its owner, not the store.
    const cleanup: Promise<unknown>[] = [this.#client.zrem(k.heartbeats, sid)];
    if (previousOwner !== me) cleanup.push(this.#client.srem(k.owned(previousOwner), sid));
    await this.#quietly(cleanup);
    return { record, fresh: r.fresh, entries: r.entries, previousOwner, epoch: record.epoch, inbox: r.inbox };
  }

  async abortUpgrade(sid: string, prober = this.#me): Promise<void> {
    if (!isTaggable(sid)) return;
    await this.#scripts.nsAbortUpgrade(this.keys.session(sid), prober);
  }

  async settle(sid: string, now: number, minWindow: number, maxWindow: number): Promise<SettleResult> {
    if (!isTaggable(sid)) return { kind: 'done' };
    return decodeSettleReply(sid, await this.#scripts.nsSettle(this.keys.sessionKeys(sid), this.#me, now, minWindow, maxWindow));
  }

  async setState(sid: string, field: string, value: string | null): Promise<void> {
    if (!isTaggable(sid)) return;
    const k = this.keys;
    await this.#scripts.nsSetState([k.session(sid), k.state(sid)], field, value === null ? EMPTY : [value]);
  }

  async getState(sid: string): Promise<Record<string, string>> {
    if (!isTaggable(sid)) return {};
    const k = this.keys;
    return decodeGetStateReply(await this.#scripts.nsGetState([k.session(sid), k.state(sid)]));
  }

  async saveRecovery(id: string, value: string, ttl: number): Promise<void> {
    const key = this.keys.recovery(id);
    // PX takes a positive integer; a record that expires at once is no record (as in MemoryStore).
    if (ttl > 0) await this.#client.set(key, value, 'PX', Math.ceil(ttl));
    else await this.#client.del(key);
  }

  async takeRecovery(id: string): Promise<string | null> {
    return this.#client.getdel(this.keys.recovery(id));
  }

  async workers(): Promise<string[]> {
    return this.#client.zrangebyscore(this.keys.workers, `(${Date.now()}`, '+inf');
  }

  async sweepHeartbeats(now: number, limit: number): Promise<SweepResult> {
    const result: SweepResult = { pinged: 0, timedOut: 0 };
    const k = this.keys;
    const sids = decodeClaimDueReply(await this.#scripts.nsClaimDue(k.heartbeats, now, limit, now + this.heartbeatLease));
    if (sids.length === 0) return result;
    const me = this.#me;
    const linger = this.limits.closeLinger;
    // All sent before any reply is read: one pipelined round trip.
    const replies = await Promise.allSettled(sids.map((sid) => this.#scripts.nsHeartbeat(k.allKeys(sid), me, now, linger)));
    const schedule: Array<string | number> = [];
    const drop: string[] = [];
    const followUps: Promise<unknown>[] = [];
    let failure: unknown = null;
    for (let n = 0; n < sids.length; n++) {
      const sid = sids[n]!;
      const settled = replies[n]!;
      if (settled.status === 'rejected') {
        // Its schedule entry keeps the claim's lease: a later sweep retries it.
        failure ??= settled.reason;
        continue;
      }
      let r: HeartbeatReply;
      try {
        r = decodeHeartbeatReply(settled.value);
      } catch (err) {
        failure ??= err;
        continue;
      }
      if (r.kind === 'none') {
        drop.push(sid);
        continue;
      }
      if (r.kind === 'timedOut') {
        result.timedOut++;
        drop.push(sid);
        followUps.push(this.#client.srem(k.owned(r.owner), sid));
        continue;
      }
      if (r.kind === 'pinged') result.pinged++;
      schedule.push(r.due, sid);
    }
    if (schedule.length > 0) followUps.push(this.#client.zadd(k.heartbeats, ...schedule));
    if (drop.length > 0) followUps.push(this.#client.zrem(k.heartbeats, ...drop));
    await Promise.all(followUps);
    if (failure !== null) throw failure as Error;
    return result;
  }

  async deadWorkers(): Promise<string[]> {
    const expired = await this.#client.zrangebyscore(this.keys.workers, '-inf', Date.now());
    return expired.filter((id) => id !== this.#me);
  }

  async orphans(deadWorker: string, limit: number): Promise<string[]> {
    if (limit <= 0) return [];
    return this.#client.spop(this.keys.owned(deadWorker), limit);
  }

  async forgetWorker(workerId: string): Promise<void> {
    await Promise.all([this.#client.zrem(this.keys.workers, workerId), this.#client.del(this.keys.owned(workerId))]);
  }

  async claim(sid: string, from: string): Promise<ClaimResult> {
    if (!isTaggable(sid)) return { kind: 'lost' };
    const k = this.keys;
    const me = this.#me;
    // Index first (see completeUpgrade). When the claim is lost the entry
    // stays: harmless (claim checks the real owner), and removing it could
    // race with another operation of this worker that does make it the owner.
    const [, raw] = await Promise.all([this.#client.sadd(k.owned(me), sid), this.#scripts.nsClaim(k.allKeys(sid), me, from)]);
    const r = decodeClaimReply(sid, raw);
    if (r.kind === 'reaped') {
      await this.#quietly([this.#client.srem(k.owned(from), sid), this.#client.srem(k.owned(me), sid), this.#client.zrem(k.heartbeats, sid)]);
    } else if (r.kind === 'claimed') await this.#quietly([this.#client.srem(k.owned(from), sid)]);
    return r;
  }

  async close(sid: string, reason: string, finalEntries: string[] = []): Promise<boolean> {
    if (!isTaggable(sid)) return false;
    const owner = decodeCloseReply(await this.#scripts.nsClose(this.keys.allKeys(sid), this.#me, this.limits.closeLinger, reason, finalEntries));
    if (owner === null) return false;
    await this.#forget(sid, owner);
    return true;
  }

  async destroy(sid: string): Promise<void> {
    if (!isTaggable(sid)) return;
    const owner = decodeDestroyReply(await this.#scripts.nsDestroy(this.keys.allKeys(sid)));
    if (owner !== null) await this.#forget(sid, owner);
  }

  async send(workerId: string, message: WorkerMessage): Promise<void> {
    await this.#client.publish(this.keys.channel(workerId), encodeWorkerMessage(message));
  }

  // ---- internals -------------------------------------------------------------

  #renew(): Promise<unknown> {
    return this.#client.zadd(this.keys.workers, Date.now() + this.limits.workerTtl, this.#me);
  }

  #deliver(raw: string): void {
    const handler = this.#handler;
    if (!handler) return;
    const message = decodeWorkerMessage(raw);
    if (!message) return; // not ours to crash on
    try {
      handler(message);
    } catch (err) {
      // A throwing handler is a bug upstream: surface it as MemoryStore does
      // (an uncaught exception), but outside ioredis' reply parser, which
      // must not be unwound mid-buffer.
      queueMicrotask(() => {
        throw err;
      });
    }
  }

  #onStatus(e: StatusEvent): void {
    if (e.connection === 'subscriber' && e.status === 'ready' && this.#running) {
      // Back after a gap: wakes published meanwhile are gone (pub/sub is
      // at-most-once). Once the channel is certainly subscribed again, tell
      // the engine to re-check everything that waits for a message.
      this.#subscriber
        .subscribe(this.keys.channel(this.#me))
        .then(() => this.#handler?.({ t: 'resync' }))
        .catch((error: Error) => this.#backgroundError(error));
    }
    if (e.connection === 'command' && e.status === 'ready' && this.#running) {
      // Redis may have come back empty (a restart without persistence): put
      // the lease back now rather than at the next renewal, before other
      // workers' orphan sweeps can think this worker dead.
      this.#renew().catch((error: Error) => this.#backgroundError(error));
    }
    this.emit('status', e);
  }

  #backgroundError(error: Error): void {
    this.emit('status', { connection: 'command', status: 'error', error });
  }

  /** A closed or removed session leaves the owner index and the heartbeat schedule. */
  #forget(sid: string, owner: string): Promise<void> {
    return this.#quietly([this.#client.srem(this.keys.owned(owner), sid), this.#client.zrem(this.keys.heartbeats, sid)]);
  }

  /** The session's new schedule is earlier than the hint: move the hint, never later (ZADD LT). */
  #hintEarlier(sid: string, at: number): Promise<void> {
    return this.#quietly([this.#client.zadd(this.keys.heartbeats, 'LT', at, sid)]);
  }

  /**
   * Index maintenance after the session script succeeded. Its failure must
   * not turn a done operation into an error (the caller might retry it); the
   * indexes tolerate staleness, so it is only reported.
   */
  async #quietly(ops: Promise<unknown>[]): Promise<void> {
    try {
      await Promise.all(ops);
    } catch (err) {
      this.#backgroundError(err as Error);
    }
  }
}
