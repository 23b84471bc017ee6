import { DueHeap } from './DueHeap.js';
import {
  DEFAULT_STORE_LIMITS,
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
} from './Store.js';

const PERSISTENT = '*';

interface MemSession {
  init: SessionInit;
  transport: string;
  owner: string;
  epoch: number;
  persistent: boolean;
  storeHeartbeat: boolean;
  closed: string | null;
  upgrading: string | null;
  queue: string[];
  /** Entries last drained for a named poll request (see `Store.poll`), and that request. */
  inflight: string[];
  inflightRequest: string;
  inbox: string[];
  /** Inbound entries handed to the owner and not yet acknowledged. */
  pending: string[];
  waiter: PollHolder | null;
  /** A wake was sent to the waiter and it has not polled since: don't send another. */
  woken: boolean;
  /** Server mode: when the next ping is due. */
  nextPing: number;
  /** Server mode: pong deadline (0 = no ping outstanding); client mode: activity deadline. */
  deadline: number;
  /** When the heartbeat heap entry for this session is meant to fire; other entries are stale. */
  due: number;
  settling: boolean;
  created: number;
  /** When the client's first request after the handshake arrived (0 = not yet). */
  firstSeen: number;
  mark: string;
  state: Map<string, string>;
}

interface MemWorker {
  expires: number;
  handler: MessageHandler | null;
}

/**
 * The state shared by every `MemoryStore` handle in a process. One worker
 * process normally has exactly one handle; tests create several to run a
 * whole cluster in one process.
 */
export class MemoryCluster {
  readonly sessions = new Map<string, MemSession>();
  readonly workers = new Map<string, MemWorker>();
  readonly owned = new Map<string, Set<string>>();
  readonly heartbeats = new DueHeap();
  readonly recovery = new Map<string, { value: string; expires: number }>();

  deliver(workerId: string, message: WorkerMessage): void {
    const w = this.workers.get(workerId);
    const handler = w?.handler;
    // Asynchronous like a real bus, so a handler never runs inside the
    // store operation that triggered it.
    if (handler) queueMicrotask(() => handler(message));
  }

  own(worker: string, sid: string): void {
    let set = this.owned.get(worker);
    if (!set) this.owned.set(worker, (set = new Set()));
    set.add(sid);
  }

  disown(worker: string, sid: string): void {
    this.owned.get(worker)?.delete(sid);
  }
}

/** In-process store: the embedded default for a single worker. */
export class MemoryStore implements Store {
  readonly kind = 'memory';
  readonly distributed = false;
  readonly cluster: MemoryCluster;
  readonly limits: StoreLimits;
  #me = '';
  #renewTimer: NodeJS.Timeout | null = null;

  constructor(options: { cluster?: MemoryCluster; limits?: Partial<StoreLimits> } = {}) {
    this.cluster = options.cluster ?? new MemoryCluster();
    this.limits = { ...DEFAULT_STORE_LIMITS, ...options.limits };
  }

  async start(workerId: string, onMessage: MessageHandler): Promise<void> {
    this.#me = workerId;
    const ttl = this.limits.workerTtl;
    this.cluster.workers.set(workerId, { expires: Date.now() + ttl, handler: onMessage });
    this.#renewTimer = setInterval(
      () => {
        const w = this.cluster.workers.get(workerId);
        if (w) w.expires = Date.now() + ttl;
      },
      Math.max(10, Math.floor(ttl / 3)),
    );
    this.#renewTimer.unref();
  }

  async stop(): Promise<void> {
    if (this.#renewTimer) clearInterval(this.#renewTimer);
    this.#renewTimer = null;
    const w = this.cluster.workers.get(this.#me);
    // Expire at once rather than forget: the sessions it owned are orphans
    // for the other workers to take over.
    if (w) {
      w.expires = 0;
      w.handler = null;
    }
  }

  async create(init: SessionInit): Promise<void> {
    const now = Date.now();
    const s: MemSession = {
      init,
      transport: init.transport,
      owner: init.owner,
      epoch: 1,
      persistent: init.persistent,
      storeHeartbeat: init.storeHeartbeat,
      closed: null,
      upgrading: null,
      queue: [],
      inflight: [],
      inflightRequest: '',
      inbox: [],
      pending: [],
      waiter: init.persistent ? { worker: init.owner, pollId: PERSISTENT } : null,
      woken: false,
      nextPing: now + init.pingInterval,
      deadline: init.heartbeat === 'client' ? now + init.pingInterval + init.pingTimeout : 0,
      due: 0,
      settling: init.settling,
      created: now,
      firstSeen: 0,
      mark: '',
      state: new Map(),
    };
    this.cluster.sessions.set(init.sid, s);
    this.cluster.own(init.owner, init.sid);
    if (s.storeHeartbeat) this.#schedule(init.sid, s, s.init.heartbeat === 'client' ? s.deadline : s.nextPing);
  }

  async get(sid: string): Promise<SessionRecord | null> {
    const s = this.cluster.sessions.get(sid);
    return s ? this.#record(sid, s) : null;
  }

  async push(sid: string, entries: string[], ack = 0, mark?: string): Promise<boolean> {
    const s = this.cluster.sessions.get(sid);
    if (s && ack > 0) s.pending.splice(0, ack);
    if (!s || s.closed !== null) return false;
    if (mark !== undefined) s.mark = mark;
    if (entries.length === 0) return true;
    if (s.queue.length + entries.length > this.limits.maxQueueLength) {
      this.#close(sid, s, 'transport error', [s.init.closeEntry], true);
      return false;
    }
    for (const e of entries) s.queue.push(e);
    this.#wake(sid, s);
    return true;
  }

  async poll(sid: string, transport: string, pollId: string, steal?: PollHolder, request = ''): Promise<PollResult> {
    const s = this.cluster.sessions.get(sid);
    if (!s) return { kind: 'unknown' };
    if (s.transport !== transport) return { kind: 'transport', transport: s.transport };
    if (s.settling && s.firstSeen === 0) s.firstSeen = Date.now();
    const w = s.waiter;
    if (w && !(w.worker === this.#me && w.pollId === pollId)) {
      const stealable = steal && w.worker === steal.worker && w.pollId === steal.pollId;
      if (!stealable) return { kind: 'busy', holder: { ...w } };
    }
    const replay = request !== '' && s.inflightRequest === request ? s.inflight : null;
    s.inflight = [];
    s.inflightRequest = '';
    if (replay) s.queue = replay.concat(s.queue);
    if (s.queue.length > 0) {
      const entries = s.queue;
      s.queue = [];
      if (request !== '') {
        s.inflight = entries.slice(); // the caller owns `entries`
        s.inflightRequest = request;
      }
      s.woken = false;
      s.waiter = s.persistent ? { worker: this.#me, pollId: PERSISTENT } : null;
      if (s.closed !== null && s.inbox.length === 0 && s.pending.length === 0) this.#remove(sid, s);
      return { kind: 'data', entries, generation: s.init.generation, flags: s.init.flags };
    }
    if (s.closed !== null) {
      this.#remove(sid, s);
      return { kind: 'unknown' };
    }
    s.waiter = { worker: this.#me, pollId };
    s.woken = false;
    return { kind: 'wait' };
  }

  async unpoll(sid: string, pollId: string): Promise<boolean> {
    const s = this.cluster.sessions.get(sid);
    const w = s?.waiter;
    if (!s || !w || w.worker !== this.#me || w.pollId !== pollId) return false;
    s.waiter = null;
    s.woken = false;
    return true;
  }

  async ingest(sid: string, transport: string, input: Ingest): Promise<IngestResult> {
    const s = this.cluster.sessions.get(sid);
    if (!s || s.closed !== null) return { kind: 'unknown' };
    if (s.transport !== transport) return { kind: 'transport', transport: s.transport };
    const now = Date.now();
    if (input.heartbeat === 'pong') {
      s.deadline = 0;
      s.nextPing = now + s.init.pingInterval;
      if (s.storeHeartbeat) this.#schedule(sid, s, s.nextPing);
    } else if (input.heartbeat === 'activity') {
      s.deadline = now + s.init.pingInterval + s.init.pingTimeout;
      if (s.storeHeartbeat) this.#schedule(sid, s, s.deadline);
    }
    if (input.reply && input.reply.length > 0) {
      for (const e of input.reply) s.queue.push(e);
      this.#wake(sid, s);
    }
    let result: IngestResult;
    if (s.settling && s.firstSeen === 0) s.firstSeen = now;
    // While settling nobody has announced the session: messages wait in the inbox.
    if (s.owner === this.#me && !s.settling) {
      const stored = s.inbox.length;
      const entries = stored > 0 ? s.inbox.concat(input.messages) : input.messages;
      if (stored > 0) this.#takeInbox(s);
      result = { kind: 'local', entries, stored };
    } else {
      if (input.messages.length > 0) {
        for (const e of input.messages) s.inbox.push(e);
        this.cluster.deliver(s.owner, { t: 'inbox', sid });
      }
      result = { kind: 'relayed', owner: s.owner, settling: s.settling };
    }
    if (input.close !== undefined) this.#close(sid, s, input.close, []);
    return result;
  }

  async drainInbox(sid: string): Promise<string[] | null> {
    const s = this.cluster.sessions.get(sid);
    if (!s || s.owner !== this.#me) return null;
    return this.#takeInbox(s);
  }

  /** Moves the inbox to pending; returns what was moved. */
  #takeInbox(s: MemSession): string[] {
    const entries = s.inbox;
    s.inbox = [];
    for (const e of entries) s.pending.push(e);
    return entries;
  }

  async settle(sid: string, now: number, minWindow: number, maxWindow: number): Promise<SettleResult> {
    const s = this.cluster.sessions.get(sid);
    if (!s || s.closed !== null || s.owner !== this.#me || !s.settling) return { kind: 'done' };
    if (s.upgrading !== null) return { kind: 'upgrading' };
    if (now - s.created < maxWindow) {
      if (s.firstSeen === 0) return { kind: 'wait', at: Math.min(s.created + maxWindow, now + minWindow) };
      const at = s.firstSeen + Math.max(2 * (s.firstSeen - s.created), minWindow);
      if (now < at) return { kind: 'wait', at: Math.min(at, s.created + maxWindow) };
    }
    s.settling = false;
    this.#takeInbox(s);
    return { kind: 'settled', record: this.#record(sid, s), inbox: s.pending.slice() };
  }

  async setState(sid: string, field: string, value: string | null): Promise<void> {
    const s = this.cluster.sessions.get(sid);
    if (!s) return;
    if (value === null) s.state.delete(field);
    else s.state.set(field, value);
  }

  async getState(sid: string): Promise<Record<string, string>> {
    const s = this.cluster.sessions.get(sid);
    return s ? Object.fromEntries(s.state) : {};
  }

  async saveRecovery(id: string, value: string, ttl: number): Promise<void> {
    this.cluster.recovery.set(id, { value, expires: Date.now() + ttl });
  }

  async takeRecovery(id: string): Promise<string | null> {
    const r = this.cluster.recovery.get(id);
    this.cluster.recovery.delete(id);
    // Expired records are dropped lazily, here and by the sweep below.
    return r && r.expires > Date.now() ? r.value : null;
  }

  async workers(): Promise<string[]> {
    const now = Date.now();
    const live: string[] = [];
    for (const [id, w] of this.cluster.workers) if (w.expires > now) live.push(id);
    return live;
  }

  async beginUpgrade(sid: string): Promise<BeginUpgradeResult> {
    const s = this.cluster.sessions.get(sid);
    if (!s || s.closed !== null) return { kind: 'unknown' };
    if (s.persistent) return { kind: 'transport', transport: s.transport };
    if (s.upgrading !== null) return { kind: 'busy' };
    s.upgrading = this.#me;
    return { kind: 'ok', record: this.#record(sid, s) };
  }

  async completeUpgrade(sid: string, transport: string): Promise<UpgradeResult | null> {
    const s = this.cluster.sessions.get(sid);
    if (!s || s.closed !== null || s.upgrading !== this.#me) return null;
    const previousOwner = s.owner;
    const oldWaiter = s.waiter;
    const fresh = s.settling;
    s.settling = false;
    s.transport = transport;
    s.upgrading = null;
    s.persistent = true;
    s.storeHeartbeat = false;
    s.waiter = { worker: this.#me, pollId: PERSISTENT };
    s.woken = false;
    const entries = s.queue;
    s.queue = [];
    // The client upgraded only after reading its last poll's answer.
    s.inflight = [];
    s.inflightRequest = '';
    this.#takeInbox(s);
    const inbox = s.pending.slice();
    if (previousOwner !== this.#me) {
      this.cluster.disown(previousOwner, sid);
      this.cluster.own(this.#me, sid);
      s.owner = this.#me;
      s.epoch++;
      this.cluster.deliver(previousOwner, { t: 'handover', sid, owner: this.#me });
    }
    if (oldWaiter && oldWaiter.pollId !== PERSISTENT) {
      this.cluster.deliver(oldWaiter.worker, { t: 'wake', sid, pollId: oldWaiter.pollId });
    }
    return { record: this.#record(sid, s), fresh, entries, previousOwner, epoch: s.epoch, inbox };
  }

  async abortUpgrade(sid: string, prober = this.#me): Promise<void> {
    const s = this.cluster.sessions.get(sid);
    if (s && s.upgrading === prober) s.upgrading = null;
  }

  async sweepHeartbeats(now: number, limit: number): Promise<SweepResult> {
    const result: SweepResult = { pinged: 0, timedOut: 0 };
    for (const [id, r] of this.cluster.recovery) if (r.expires <= now) this.cluster.recovery.delete(id);
    const heap = this.cluster.heartbeats;
    for (let n = 0; n < limit; n++) {
      const sid = heap.popDue(now);
      if (sid === undefined) break;
      const s = this.cluster.sessions.get(sid);
      if (!s || s.closed !== null || !s.storeHeartbeat || s.due > now) continue;
      if (s.init.heartbeat === 'client' || s.deadline > 0) {
        if (now >= s.deadline) {
          this.#timeOut(sid, s);
          result.timedOut++;
        } else {
          this.#schedule(sid, s, s.deadline);
        }
      } else if (now >= s.nextPing) {
        s.queue.push(s.init.pingEntry);
        this.#wake(sid, s);
        s.deadline = now + s.init.pingTimeout;
        this.#schedule(sid, s, s.deadline);
        result.pinged++;
      } else {
        this.#schedule(sid, s, s.nextPing);
      }
    }
    return result;
  }

  async deadWorkers(): Promise<string[]> {
    const now = Date.now();
    const dead: string[] = [];
    for (const [id, w] of this.cluster.workers) if (id !== this.#me && w.expires <= now) dead.push(id);
    return dead;
  }

  async orphans(deadWorker: string, limit: number): Promise<string[]> {
    const set = this.cluster.owned.get(deadWorker);
    if (!set) return [];
    const out: string[] = [];
    for (const sid of set) {
      if (out.length >= limit) break;
      out.push(sid);
    }
    for (const sid of out) set.delete(sid);
    return out;
  }

  async forgetWorker(workerId: string): Promise<void> {
    this.cluster.workers.delete(workerId);
    this.cluster.owned.delete(workerId);
  }

  async claim(sid: string, from: string): Promise<ClaimResult> {
    const s = this.cluster.sessions.get(sid);
    if (!s || s.closed !== null || s.owner !== from) return { kind: 'lost' };
    if (s.persistent) {
      // The websocket died with its worker; nothing can reach the client.
      this.#close(sid, s, 'transport close', []);
      const record = this.#record(sid, s);
      const state = Object.fromEntries(s.state);
      this.#remove(sid, s);
      return { kind: 'reaped', record, state };
    }
    this.cluster.disown(from, sid);
    this.cluster.own(this.#me, sid);
    s.owner = this.#me;
    s.epoch++;
    if (s.upgrading === from) s.upgrading = null;
    if (s.waiter && s.waiter.worker === from) {
      s.waiter = null;
      s.woken = false;
    }
    const fresh = s.settling;
    s.settling = false;
    this.#takeInbox(s);
    return { kind: 'claimed', record: this.#record(sid, s), inbox: s.pending.slice(), fresh };
  }

  async close(sid: string, reason: string, finalEntries: string[] = []): Promise<boolean> {
    const s = this.cluster.sessions.get(sid);
    if (!s || s.closed !== null) return false;
    this.#close(sid, s, reason, finalEntries);
    return true;
  }

  async destroy(sid: string): Promise<void> {
    const s = this.cluster.sessions.get(sid);
    if (!s) return;
    // A poll parked on it (on any worker) must find it unknown now, not at the end of its polling duration.
    if (s.waiter && s.waiter.pollId !== PERSISTENT) this.#wake(sid, s);
    this.#remove(sid, s);
  }

  async send(workerId: string, message: WorkerMessage): Promise<void> {
    this.cluster.deliver(workerId, message);
  }

  /**
   * `notifySelf`: the owner hears of the close even when it is this worker,
   * because the close did not come from the engine's own request handling
   * (a sweep, a queue overflow).
   */
  #close(sid: string, s: MemSession, reason: string, finalEntries: string[], notifySelf = false): void {
    s.closed = reason;
    s.upgrading = null;
    for (const e of finalEntries) if (e !== '') s.queue.push(e);
    if (notifySelf || s.owner !== this.#me) this.cluster.deliver(s.owner, { t: 'closed', sid, reason });
    if (s.waiter && s.waiter.pollId !== PERSISTENT) this.#wake(sid, s);
    const timer = setTimeout(() => {
      if (this.cluster.sessions.get(sid) === s) this.#remove(sid, s);
    }, this.limits.closeLinger);
    timer.unref();
  }

  /**
   * As engine.io, an Engine.IO session that timed out is gone at once: only a
   * poll waiting right now hears the close, anything queued is dropped, and
   * the client's next request gets `Session ID unknown`. Legacy sessions keep
   * their queue for the lingering record's last poll.
   */
  #timeOut(sid: string, s: MemSession): void {
    if (s.init.generation !== 'eio4' && s.init.generation !== 'eio3') {
      this.#close(sid, s, 'ping timeout', [s.init.closeEntry], true);
      return;
    }
    const waiting = s.waiter !== null && s.waiter.pollId !== PERSISTENT;
    s.queue = [];
    s.inflight = [];
    s.inflightRequest = '';
    this.#close(sid, s, 'ping timeout', waiting ? [s.init.closeEntry] : [], true);
  }

  #remove(sid: string, s: MemSession): void {
    this.cluster.sessions.delete(sid);
    this.cluster.disown(s.owner, sid);
  }

  #wake(sid: string, s: MemSession): void {
    const w = s.waiter;
    if (!w || s.woken) return;
    s.woken = true;
    this.cluster.deliver(w.worker, { t: 'wake', sid, pollId: w.pollId });
  }

  #schedule(sid: string, s: MemSession, at: number): void {
    s.due = at;
    this.cluster.heartbeats.push(at, sid);
  }

  #record(sid: string, s: MemSession): SessionRecord {
    return {
      sid,
      generation: s.init.generation,
      transport: s.transport,
      owner: s.owner,
      epoch: s.epoch,
      closed: s.closed,
      upgrading: s.upgrading,
      pingInterval: s.init.pingInterval,
      pingTimeout: s.init.pingTimeout,
      heartbeat: s.init.heartbeat,
      handshake: s.init.handshake,
      flags: s.init.flags,
      created: s.created,
      mark: s.mark,
    };
  }
}
