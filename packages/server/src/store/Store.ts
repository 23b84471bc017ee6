/**
 * The store contract: everything about a session that must survive the
 * request landing on another worker, or the worker dying, goes through here.
 *
 * One `Store` instance is one worker's handle on the shared state. The
 * `MemoryStore` shares state between handles in one process (the embedded,
 * single-process default, also used to run several engines in one test); the
 * `RedisStore` (package @nonstick/redis) shares it through Redis. Both pass
 * the same contract suite (`@nonstick/server/testing`).
 *
 * Queue entries and inbox entries are opaque strings to the store: each
 * protocol generation decides what one entry is (for Engine.IO, one packet in
 * its v4 text form). The store never looks inside them.
 *
 * Atomicity: every method is one atomic step on one session (a Lua script in
 * Redis). `push` and `poll` in particular can interleave in any order between
 * workers without losing a wake-up or delivering an entry twice.
 *
 * Inbound durability: entries relayed to the owner wait in the session's
 * inbox. Draining moves them to a pending list rather than deleting them; the
 * owner acknowledges them (`push(sid, outbound, ack)`) in the same atomic
 * step that stores the packets their handlers produced. If the owner dies in
 * between, the worker that claims the session gets the unacknowledged entries
 * again and nothing the client was told was accepted is lost.
 */

/** Protocol generation of a session; decides codecs and heartbeat direction. */
export type Generation = 'eio4' | 'eio3' | 'sio1' | 'sio06';

/**
 * How liveness is checked for sessions whose heartbeat lives in the store:
 * - `server`: the server pushes `pingEntry` every `pingInterval` and expects
 *   a pong (`ingest({heartbeat:'pong'})`) within `pingTimeout` (EIO4, 0.9, 0.6);
 * - `client`: the client pings; any inbound traffic pushes the deadline to
 *   now + pingInterval + pingTimeout (EIO3).
 */
export type HeartbeatMode = 'server' | 'client';

export interface SessionInit {
  sid: string;
  generation: Generation;
  /** Transport name, as requests name it (`polling`, `websocket`, `xhr-polling`, ...). */
  transport: string;
  owner: string;
  /**
   * The transport is a connection held by `owner` for the session's life (a
   * websocket): the owner drains the queue itself and the session is reaped,
   * not taken over, when the owner dies.
   */
  persistent: boolean;
  pingInterval: number;
  pingTimeout: number;
  heartbeat: HeartbeatMode;
  /** Entry pushed for a server ping (e.g. `2` for EIO4). */
  pingEntry: string;
  /** Entry pushed when the store itself closes the session (ping timeout), e.g. `1`. */
  closeEntry: string;
  /**
   * Whether the store schedules heartbeats for this session. Websocket
   * sessions are pinged by their owner's local timer instead: the socket
   * dies with the worker anyway, and a Redis round trip per ping per socket
   * would be pure overhead.
   */
  storeHeartbeat: boolean;
  /** Opaque JSON (handshake details) for a worker that takes the session over. */
  handshake: string;
  /** Opaque per-session flags, e.g. EIO3 `b64`. */
  flags: string;
  /**
   * Not announced yet: the session waits to see whether its client upgrades
   * (see `settle`). Inbound messages wait in the inbox meanwhile, whoever
   * owns the session.
   */
  settling: boolean;
}

export interface SessionRecord {
  sid: string;
  generation: Generation;
  transport: string;
  owner: string;
  /** Increments whenever the owner changes. */
  epoch: number;
  /** Close reason once closed (the record lingers until its close entries are drained). */
  closed: string | null;
  /** Worker holding a pending upgrade probe, if any. */
  upgrading: string | null;
  pingInterval: number;
  pingTimeout: number;
  heartbeat: HeartbeatMode;
  handshake: string;
  flags: string;
  /** Epoch ms of the session's creation. */
  created: number;
  /** The last `mark` stored with a push (a bus offset), or '' if none. */
  mark: string;
}

/**
 * A long-poll waiting for data; `pollId` is unique within its worker. The
 * owner of a persistent transport waits with pollId `*` for entries pushed by
 * other workers.
 */
export interface PollHolder {
  worker: string;
  pollId: string;
}

export type PollResult =
  /**
   * Entries drained, in FIFO order. Generation and flags tell any worker how
   * to encode them. Without a request token the caller must deliver them or
   * they are gone; with one they stay in flight until the next poll (see
   * `Store.poll`).
   */
  | { kind: 'data'; entries: string[]; generation: Generation; flags: string }
  /** Nothing queued; this poll is now the session's waiter and will get a `wake`. */
  | { kind: 'wait' }
  | { kind: 'unknown' }
  /** The session uses another transport (e.g. it was upgraded to websocket). */
  | { kind: 'transport'; transport: string }
  /** Another poll is registered; it may be live (overlap) or stale (its worker died). */
  | { kind: 'busy'; holder: PollHolder };

export interface Ingest {
  /** Inbound entries for the application, in order. */
  messages: string[];
  /** `pong`: the client answered a server ping; `activity`: any inbound traffic (client-heartbeat mode). */
  heartbeat?: 'pong' | 'activity' | undefined;
  /** Entries to push back to the client in the same step (e.g. an EIO3 pong). */
  reply?: string[] | undefined;
  /** Close the session (client asked to) with this reason, after the messages. */
  close?: string | undefined;
}

export type IngestResult =
  | { kind: 'unknown' }
  | { kind: 'transport'; transport: string }
  /**
   * This worker owns the session: the inbox backlog followed by `messages`,
   * to process now, in order. The first `stored` entries came from the inbox
   * and are pending until acknowledged.
   */
  | { kind: 'local'; entries: string[]; stored: number }
  /**
   * Appended to the owner's inbox and the owner was told. `settling`: the
   * session is not announced yet (its messages wait in the inbox whoever
   * owns it).
   */
  | { kind: 'relayed'; owner: string; settling: boolean };

export type BeginUpgradeResult =
  | { kind: 'ok'; record: SessionRecord }
  | { kind: 'unknown' }
  | { kind: 'transport'; transport: string }
  /** Another upgrade is in progress. */
  | { kind: 'busy' };

export interface UpgradeResult {
  record: SessionRecord;
  /** The session was still settling: announce it as a new session, not a resumed one. */
  fresh: boolean;
  /** Entries that were queued for the polling transport; now to be written to the new transport, in order. */
  entries: string[];
  previousOwner: string;
  epoch: number;
  /** Inbound entries relayed to the previous owner and not yet acknowledged; pending until acknowledged. */
  inbox: string[];
}

export type ClaimResult =
  /** Ownership moved to this worker; `inbox` holds unacknowledged inbound entries, in order, pending until acknowledged. */
  | { kind: 'claimed'; record: SessionRecord; inbox: string[]; fresh: boolean }
  /** The session's transport died with its worker; the session was closed. `state` is what the layers above had saved. */
  | { kind: 'reaped'; record: SessionRecord; state: Record<string, string> }
  /** Someone else owns it now, or it is gone. */
  | { kind: 'lost' };

export type SettleResult =
  /** Announce it now: `inbox` holds what arrived while settling, pending until acknowledged. */
  | { kind: 'settled'; record: SessionRecord; inbox: string[] }
  /** Too early to tell: ask again at `at` (epoch ms). */
  | { kind: 'wait'; at: number }
  /** A probe is under way: ask again later (or hear of the handover). */
  | { kind: 'upgrading' }
  /** Nothing to settle: gone, closed, not ours, or already announced. */
  | { kind: 'done' };

export interface SweepResult {
  pinged: number;
  timedOut: number;
}

/** Messages between workers. Lua scripts emit the same encoding (see `messages.ts`). */
export type WorkerMessage =
  /** A poll (or, with pollId `*`, the websocket) of this worker should drain the session's queue. */
  | { t: 'wake'; sid: string; pollId: string }
  /** This worker owns the session and its inbox has entries. */
  | { t: 'inbox'; sid: string }
  /** Ownership of the session moved from this worker to `owner`. */
  | { t: 'handover'; sid: string; owner: string }
  /** The session this worker owns was closed elsewhere (ping timeout, client close, error). */
  | { t: 'closed'; sid: string; reason: string }
  /** Request/response between workers; `body` is opaque here (WorkerRpc's typed messages, `cluster/messages.ts`). */
  | { t: 'req'; id: string; from: string; body: string }
  | { t: 'res'; id: string; body: string }
  /**
   * Delivered by the store itself (never sent): this worker's message channel
   * came back after a gap (e.g. a Redis reconnect). Messages may have been
   * lost meanwhile, and other workers may have taken this worker for dead;
   * local waiters and ownership must be re-checked.
   */
  | { t: 'resync' };

export type MessageHandler = (message: WorkerMessage) => void;

export interface StoreLimits {
  /** Entries allowed in a session's outbound queue; beyond it the session closes. */
  maxQueueLength: number;
  /** How long a closed session lingers so a poll can still fetch its close entries (ms). */
  closeLinger: number;
  /** Worker liveness lease (ms): a worker that fails to renew for this long is dead. */
  workerTtl: number;
}

export const DEFAULT_STORE_LIMITS: StoreLimits = {
  maxQueueLength: 10_000,
  closeLinger: 30_000,
  workerTtl: 5_000,
};

export interface Store {
  readonly kind: string;
  /** Whether other processes share this store (sessions can move between workers). */
  readonly distributed: boolean;
  /** Registers this worker (liveness lease, renewed by the store) and starts delivering its messages. */
  start(workerId: string, onMessage: MessageHandler): Promise<void>;
  /** Deregisters this worker and releases connections. Sessions it owns stay (others take them over). */
  stop(): Promise<void>;

  create(init: SessionInit): Promise<void>;
  get(sid: string): Promise<SessionRecord | null>;

  /**
   * Push-and-wake: appends entries to the session's outbound queue and wakes
   * whoever waits on it (a poll or the websocket holder). With `ack`, also
   * drops that many of the oldest pending inbound entries, atomically with
   * the push. With `mark`, records it as the session's mark in the same step
   * (the bus offset up to which broadcasts for the session are stored).
   * Returns false when the session is unknown or closed (entries dropped).
   */
  push(sid: string, entries: string[], ack?: number, mark?: string): Promise<boolean>;
  /**
   * Drain-or-wait: returns all queued entries, or registers `pollId` of this
   * worker as the waiter. `steal` replaces a stale holder (one whose worker
   * died) if it is still the registered one.
   *
   * `request` names the client's request (Engine.IO's `t` query value, new
   * for every request a client makes; '' when there is none). Entries
   * drained for a named request stay in flight: a poll naming the same
   * request again gets them first, then whatever was queued since. That is
   * a load balancer replaying a GET whose worker died after draining but
   * before its answer left. A poll naming another request, or none, drops
   * them: a client only asks again once it has read the previous answer.
   */
  poll(sid: string, transport: string, pollId: string, steal?: PollHolder, request?: string): Promise<PollResult>;
  /** Removes this worker's waiter `pollId` if it is still registered; true if it was. */
  unpoll(sid: string, pollId: string): Promise<boolean>;

  /** Inbound data from any worker: heartbeat bookkeeping plus relay of messages to the owner. */
  ingest(sid: string, transport: string, input: Ingest): Promise<IngestResult>;
  /** Owner only: moves the inbox backlog to pending and returns it. Null when this worker is not the owner. */
  drainInbox(sid: string): Promise<string[] | null>;

  beginUpgrade(sid: string): Promise<BeginUpgradeResult>;
  /**
   * Switches the session to the persistent `transport` held by this worker,
   * which becomes the owner (and the `*` waiter); returns what was queued for
   * the old transport. A poll still registered is woken (it will find the
   * transport changed). Null if the session is gone or the upgrade was not
   * begun by this worker.
   */
  completeUpgrade(sid: string, transport: string): Promise<UpgradeResult | null>;
  /**
   * Ends a pending probe of `prober` (this worker by default) if it is still
   * the one: another worker clears the probe of a worker that died
   * mid-probe, which would otherwise block the session's upgrades (and its
   * settling) forever.
   */
  abortUpgrade(sid: string, prober?: string): Promise<void>;

  /**
   * Ends the settling of a session this worker owns, unless a probe is under
   * way or it is too early: settled once `maxWindow` ms passed since
   * creation, or once the client's first request (poll or POST), seen
   * `rtt` ms after creation, is `max(2 * rtt, minWindow)` ms old — a
   * client that wants to upgrade has started its probe by then.
   */
  settle(sid: string, now: number, minWindow: number, maxWindow: number): Promise<SettleResult>;

  /** Per-session state of the layers above (e.g. one field per Socket.IO namespace); null value deletes. */
  setState(sid: string, field: string, value: string | null): Promise<void>;
  getState(sid: string): Promise<Record<string, string>>;

  /** Connection-state recovery records, by private id; they expire after `ttl` ms. */
  saveRecovery(id: string, value: string, ttl: number): Promise<void>;
  /** Returns and deletes the record (a recovery happens once). */
  takeRecovery(id: string): Promise<string | null>;

  /** Ids of the workers whose lease is current, this one included. */
  workers(): Promise<string[]>;

  /** Pushes due pings and closes sessions whose heartbeat deadline passed. */
  sweepHeartbeats(now: number, limit: number): Promise<SweepResult>;

  /** Workers whose lease expired, known to the store. */
  deadWorkers(): Promise<string[]>;
  /** Takes up to `limit` session ids owned by a dead worker; empty when done. */
  orphans(deadWorker: string, limit: number): Promise<string[]>;
  /** Forgets a dead worker once its orphans are handled. */
  forgetWorker(workerId: string): Promise<void>;
  /** Takes ownership of a session whose owner is `from` (dead): polling sessions move, others are reaped. */
  claim(sid: string, from: string): Promise<ClaimResult>;

  /**
   * Closes the session: marks it closed, pushes `finalEntries` (e.g. a close
   * packet) for a poll to fetch, wakes the waiter and tells the owner (unless
   * it is this worker). The record lingers `closeLinger` ms. False if unknown.
   */
  close(sid: string, reason: string, finalEntries?: string[]): Promise<boolean>;
  /** Removes the session at once (its websocket closed on this worker). */
  destroy(sid: string): Promise<void>;

  send(workerId: string, message: WorkerMessage): Promise<void>;
}
