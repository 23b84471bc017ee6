import { EventEmitter, once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { compareIds, ID_PATTERN, type Bus, type BusEntry, type BusHandler, type BusInput } from '@nonstick/server/wire';
import { Cluster } from 'ioredis';
import {
  closeClient,
  createClient,
  timeCommands,
  watchClient,
  type Client,
  type ConnectionOptions,
  type ConnectionStatus,
  type StatusEvent,
} from './connection.js';
import { MalformedReplyError } from './decode.js';
import { checkPrefix, DEFAULT_PREFIX } from './keys.js';

export interface RedisBusOptions extends ConnectionOptions {
  /** Key prefix (default `ns`); the stream is `<prefix>:bus`. */
  prefix?: string;
  /** How long entries stay readable for replay (ms, default 120000): `XADD … MINID ~ <now - retention>`. */
  retention?: number;
  /**
   * An existing ioredis client (standalone, Sentinel or Cluster) to publish
   * and range with, e.g. a `RedisStore`'s `client`; `url` / `redis` /
   * `cluster` are then ignored. The bus never closes it; its reader is a
   * `duplicate()` the bus owns.
   */
  client?: Client;
  /** Most entries per XREAD, i.e. per delivered batch (default 1000). */
  batchSize?: number;
  /**
   * XREAD BLOCK time (ms, default 1000; kept below half the reader's
   * `commandTimeout`). It bounds how long a silent connection goes unnoticed,
   * not delivery latency: an XREAD returns as soon as an entry arrives.
   */
  blockTimeout?: number;
  /**
   * Receives what the `start` handler throws. Delivery goes on either way;
   * without `onError` the error is rethrown outside the bus (an uncaught
   * exception, as with the store's handler).
   */
  onError?: (error: unknown) => void;
}

/** `command` publishes and ranges; `reader` is the dedicated blocking XREAD connection. */
export type BusConnectionRole = 'command' | 'reader';

export interface BusStatusEvent {
  connection: BusConnectionRole;
  status: ConnectionStatus;
  /** With `error`. */
  error?: Error;
  /** With `reconnecting`: ms until the next attempt. */
  delay?: number;
}

export interface RedisBusEvents {
  /** Connection state changes, read errors and detected delivery gaps, for logs and metrics. */
  status: [BusStatusEvent];
}

/** Thrown into `status` events when the reader finds entries it never delivered gone (retention shorter than an outage, or Redis lost its data). */
export class BusGapError extends Error {
  constructor(readonly after: string) {
    super(`RedisBus: entries after ${after} were lost before this worker could read them`);
    this.name = 'BusGapError';
  }
}

// Field names of an entry's field/value pairs: k = kind (once), t = text
// field, b = binary field, in their order. One-byte names, and entries of one
// shape share them with their stream node's master entry (Redis stores them
// once per node).
const K = 0x6b;
const T = 0x74;
const B = 0x62;

/**
 * Stream facts and (optionally) entries after an id, atomically. Nil when
 * the stream does not exist. XINFO STREAM fields by name, so it runs on
 * Redis 6.2 too (no `max-deleted-entry-id` / `entries-added` there).
 */
const RANGE_LUA = `
local key = KEYS[1]
if redis.call('EXISTS', key) == 0 then return false end
local x = redis.call('XINFO', 'STREAM', key)
local last, deleted, added, len, first = '0-0', '0-0', -1, 0, ''
for i = 1, #x, 2 do
  local f, v = x[i], x[i + 1]
  if f == 'last-generated-id' then last = v
  elseif f == 'max-deleted-entry-id' then deleted = v
  elseif f == 'entries-added' then added = v
  elseif f == 'length' then len = v
  elseif f == 'first-entry' and v then first = v[1] end
end
local limit = tonumber(ARGV[2])
local rows = {}
if limit > 0 then rows = redis.call('XRANGE', key, '(' .. ARGV[1], '+', 'COUNT', limit) end
return { last, deleted, added, len, first, rows }
`;

/**
 * (Re)creates the stream with a deleted marker entry, so that its
 * `max-deleted-entry-id` says "everything before now is gone": an offset
 * from before a data loss (restart without persistence, eviction, FLUSHALL)
 * then ranges null instead of replaying with a silent gap.
 */
const CREATE_LUA = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local id = redis.call('XADD', KEYS[1], '*', 'k', '')
redis.call('XDEL', KEYS[1], id)
return 1
`;

type Row = [Buffer, Buffer[]];

interface BusScripts {
  nsBusRangeBuffer(key: string, afterId: string, limit: number): Promise<unknown>;
  nsBusCreate(key: string): Promise<number>;
}

interface StreamInfo {
  last: string;
  maxDeleted: string;
  added: number;
  length: number;
  first: string;
  rows: Row[];
}

interface Pending {
  args: Array<string | Buffer>;
  resolve: (id: string) => void;
  reject: (error: unknown) => void;
  attempts: number;
}

function defineBusScripts(client: Client): BusScripts {
  // Not readOnly: ranges must come from the master (a lagging replica would null fresh offsets).
  client.defineCommand('nsBusRange', { numberOfKeys: 1, lua: RANGE_LUA });
  client.defineCommand('nsBusCreate', { numberOfKeys: 1, lua: CREATE_LUA });
  return client as unknown as BusScripts;
}

/** The range script's `{ last, deleted, added, len, first, rows }`; null when the stream does not exist. */
function toInfo(raw: unknown): StreamInfo | null {
  if (raw === null) return null;
  if (!Array.isArray(raw) || raw.length !== 6) throw new MalformedReplyError('nsBusRange', 'expected 6 fields', raw);
  const [last, maxDeleted, added, length, first, rows] = raw as unknown[];
  if (!Buffer.isBuffer(last) || !Buffer.isBuffer(maxDeleted) || !Buffer.isBuffer(first))
    throw new MalformedReplyError('nsBusRange', 'ids are not strings', raw);
  if (typeof added !== 'number' || typeof length !== 'number') throw new MalformedReplyError('nsBusRange', 'counts are not numbers', raw);
  if (!Array.isArray(rows) || !rows.every(isRow)) throw new MalformedReplyError('nsBusRange', 'rows are not stream entries', raw);
  return { last: last.toString(), maxDeleted: maxDeleted.toString(), added, length, first: first.toString(), rows };
}

function isRow(v: unknown): v is Row {
  return Array.isArray(v) && v.length === 2 && Buffer.isBuffer(v[0]) && Array.isArray(v[1]);
}

/** The id right before `id` (`<ms>-<seq - 1>`, or the last possible id of the previous ms). */
function predecessor(id: string): string {
  const dash = id.indexOf('-');
  const seq = id.slice(dash + 1);
  if (seq !== '0') return `${id.slice(0, dash)}-${Number(seq) - 1}`;
  return `${Number(id.slice(0, dash)) - 1}-18446744073709551615`;
}

/**
 * Whether entries after `id` may be missing from the stream. Entries only
 * leave it by trimming from the head (everything before `first` is gone)
 * and by the re-creation marker's XDEL (`max-deleted-entry-id`). Redis does
 * not record the newest trimmed id, so an id more than one step before the
 * first entry counts as a gap (a conservative null: that client's own last
 * entry was trimmed, so it was away about as long as the retention).
 */
function lostAfter(id: string, s: StreamInfo): boolean {
  if (compareIds(s.maxDeleted, id) > 0) return true;
  if (s.added >= 0 && s.added === s.length) return false; // nothing ever removed
  if (s.length === 0) return compareIds(id, s.last) < 0; // everything up to `last` removed
  return compareIds(id, predecessor(s.first)) < 0;
}

function msOf(id: string): number {
  return Number(id.slice(0, id.indexOf('-')));
}

function encode(input: BusInput): Array<string | Buffer> {
  const args: Array<string | Buffer> = ['k', input.kind];
  for (const f of input.fields) args.push('t', f);
  for (const b of input.binary) args.push('b', Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength));
  return args;
}

function decode(row: Row): BusEntry {
  const raw = row[1];
  let kind = '';
  const fields: string[] = [];
  const binary: Uint8Array[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length !== 1) continue; // not ours
    const value = raw[i + 1]!;
    if (name[0] === T) fields.push(value.toString());
    else if (name[0] === B) binary.push(value);
    else if (name[0] === K) kind = value.toString();
  }
  return { id: row[0].toString(), kind, fields, binary };
}

/**
 * The `Bus` contract on a Redis stream (`<prefix>:bus`).
 *
 * - publish: one `XADD <key> NOMKSTREAM MINID ~ <threshold> * k <kind> t <field>… b <bytes>…`.
 *   Publishes issued in one synchronous run go out as one pipeline (one
 *   write, one round trip). The threshold is the server's clock (estimated
 *   from the ids of this bus' previous XADD replies) minus the retention;
 *   nothing is trimmed before the first reply. `NOMKSTREAM` makes a missing
 *   stream visible: the bus recreates it with a marker (see `CREATE_LUA`)
 *   and sends again.
 * - delivery: a dedicated reader connection loops on `XREAD COUNT BLOCK`
 *   from the last id it delivered; one reply is one batch. After a
 *   reconnect it resumes from there: no duplicates, and no loss as long as
 *   the retention covers the outage (a gap is reported as a `BusGapError`
 *   status event).
 * - range / lastId: one read-only script (XINFO + XRANGE, atomic).
 *
 * Redis Cluster: the bus is one key, so one slot and one master carry all of
 * it. Not sharded on purpose: the contract is one total order whose ids are
 * the offsets clients hold for connection-state recovery; shards would be
 * separate logs with separate offsets.
 */
export class RedisBus extends EventEmitter<RedisBusEvents> implements Bus {
  readonly kind = 'redis';
  /** The stream key. */
  readonly key: string;
  readonly retention: number;
  readonly batchSize: number;
  readonly #client: Client;
  readonly #scripts: BusScripts;
  readonly #ownsClient: boolean;
  readonly #blockTimeout: number;
  readonly #onError: ((error: unknown) => void) | undefined;
  #reader: Client | null = null;
  #readerReady = 0;
  #abort: AbortController | null = null;
  #loop: Promise<void> | null = null;
  #handler: BusHandler | null = null;
  /** The newest id delivered (or the log's end when started). */
  #cursor = '0-0';
  #queue: Pending[] = [];
  #flushScheduled = false;
  /** Publishes waiting for the stream to be recreated, in the order they were sent. */
  #retry: Pending[] = [];
  #recreating = false;
  /** Server clock minus ours, from the last XADD reply; null until there was one. */
  #clockOffset: number | null = null;

  constructor(options: RedisBusOptions = {}) {
    super();
    this.key = `${checkPrefix(options.prefix ?? DEFAULT_PREFIX)}:bus`;
    this.retention = options.retention ?? 120_000;
    if (!(this.retention > 0)) throw new RangeError(`RedisBus: retention must be > 0 ms (got ${this.retention})`);
    this.batchSize = Math.max(1, Math.floor(options.batchSize ?? 1000));
    this.#blockTimeout = Math.max(10, Math.floor(options.blockTimeout ?? 1000));
    this.#onError = options.onError;
    this.#ownsClient = !options.client;
    this.#client = options.client ?? createClient(options);
    if (this.#ownsClient) watchClient(this.#client, 'command', (e) => this.#status(e, 'command'));
    // A shared client is timed (or not) by its owner.
    if (this.#ownsClient && options.onCommand) timeCommands(this.#client, options.onCommand);
    this.#scripts = defineBusScripts(this.#client);
  }

  /** The command connection (publish, range); shared with its owner when given as `client`. */
  get client(): Client {
    return this.#client;
  }

  /** The blocking reader connection while started. */
  get reader(): Client | null {
    return this.#reader;
  }

  async start(onEntries: BusHandler): Promise<void> {
    if (this.#reader) throw new Error('RedisBus: already started');
    const reader = this.#duplicate();
    const abort = new AbortController();
    this.#reader = reader;
    this.#abort = abort;
    watchClient(reader, 'subscriber', (e) => this.#status(e, 'reader'));
    reader.on('ready', () => this.#readerReady++);
    const scripts = defineBusScripts(reader);
    try {
      const connecting: Promise<unknown>[] = [reader.connect()];
      // A lazy client, or ours again after a stop().
      const status = this.#client.status;
      if (status === 'wait' || (this.#ownsClient && status === 'end')) connecting.push(this.#client.connect());
      await Promise.all(connecting);
      // From the log's end as it is now: what was published before is not delivered.
      this.#cursor = toInfo(await scripts.nsBusRangeBuffer(this.key, '0-0', 0))?.last ?? '0-0';
    } catch (err) {
      this.#reader = null;
      this.#abort = null;
      abort.abort();
      reader.disconnect();
      if (this.#ownsClient) await closeClient(this.#client);
      throw err;
    }
    this.#handler = onEntries;
    this.#loop = this.#read(reader, scripts, abort.signal);
  }

  async stop(): Promise<void> {
    this.#handler = null;
    const reader = this.#reader;
    this.#reader = null;
    this.#abort?.abort();
    this.#abort = null;
    // Publishes of the current run still go out (before the QUIT below).
    if (this.#flushScheduled) this.#flush();
    // Not QUIT: it would wait behind the blocked XREAD. This rejects it now.
    reader?.disconnect();
    await this.#loop;
    this.#loop = null;
    if (this.#ownsClient) await closeClient(this.#client);
  }

  publish(input: BusInput): Promise<string> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ args: encode(input), resolve, reject, attempts: 0 });
      if (!this.#flushScheduled) {
        this.#flushScheduled = true;
        queueMicrotask(this.#flush);
      }
    });
  }

  async range(afterId: string, limit: number): Promise<BusEntry[] | null> {
    if (!ID_PATTERN.test(afterId)) return null;
    const n = Math.floor(limit);
    const info = toInfo(await this.#scripts.nsBusRangeBuffer(this.key, afterId, n > 0 ? n : 0));
    if (!info) return compareIds(afterId, '0-0') === 0 ? [] : null; // never written (or lost): nothing was issued
    if (compareIds(afterId, info.last) > 0) return null;
    if (lostAfter(afterId, info)) return null;
    return info.rows.map(decode);
  }

  async lastId(): Promise<string> {
    return toInfo(await this.#scripts.nsBusRangeBuffer(this.key, '0-0', 0))?.last ?? '0-0';
  }

  // ---- publishing -------------------------------------------------------------

  readonly #flush = (): void => {
    this.#flushScheduled = false;
    if (this.#recreating || this.#queue.length === 0) return; // sent once the stream is back
    const batch = this.#queue;
    this.#queue = [];
    this.#send(batch);
  };

  #send(batch: Pending[]): void {
    const head: Array<string | Buffer> = [this.key, 'NOMKSTREAM', ...this.#trimArgs(), '*'];
    let replies: Promise<Array<[Error | null, unknown]> | null>;
    if (batch.length === 1) {
      replies = this.#client.call('XADD', ...head, ...batch[0]!.args).then(
        (r) => [[null, r]],
        (e: Error) => [[e, null]],
      );
    } else {
      const pipeline = this.#client.pipeline();
      for (const p of batch) pipeline.call('XADD', ...head, ...p.args);
      replies = pipeline.exec();
    }
    replies.then(
      (results) => this.#settle(batch, results ?? []),
      (err: unknown) => {
        for (const p of batch) p.reject(err);
      },
    );
  }

  #settle(batch: Pending[], results: Array<[Error | null, unknown]>): void {
    const missing: Pending[] = [];
    for (let i = 0; i < batch.length; i++) {
      const p = batch[i]!;
      const [err, id] = results[i] ?? [new Error('RedisBus: no reply to XADD'), null];
      if (err) p.reject(err);
      else if (id === null) missing.push(p);
      else {
        const s = (id as string | Buffer).toString();
        this.#clockOffset = msOf(s) - Date.now();
        p.resolve(s);
      }
    }
    if (missing.length > 0) this.#recreate(missing);
  }

  /**
   * NOMKSTREAM found no stream: create it (with the marker) and send again,
   * ahead of anything published meanwhile, so one worker's entries keep
   * their order. (Only entries already in flight when the stream vanished
   * can end up behind later ones.)
   */
  #recreate(missing: Pending[]): void {
    for (const p of missing) {
      if (++p.attempts > 3) p.reject(new Error(`RedisBus: stream ${this.key} keeps disappearing`));
      else this.#retry.push(p);
    }
    if (this.#recreating || this.#retry.length === 0) return;
    this.#recreating = true;
    const done = (err?: unknown): void => {
      this.#recreating = false;
      const again = this.#retry;
      this.#retry = [];
      if (err !== undefined) for (const p of again) p.reject(err);
      const batch = err === undefined ? again.concat(this.#queue) : this.#queue;
      this.#queue = [];
      if (batch.length > 0) this.#send(batch);
    };
    this.#scripts.nsBusCreate(this.key).then(() => done(), done);
  }

  /** `MINID ~ <server now - retention>`; no trimming until a reply told us the server's clock. */
  #trimArgs(): string[] {
    if (this.#clockOffset === null) return [];
    const threshold = Date.now() + this.#clockOffset - this.retention;
    return threshold > 0 ? ['MINID', '~', String(threshold)] : [];
  }

  // ---- delivery ---------------------------------------------------------------

  #duplicate(): Client {
    const c = this.#client;
    return c instanceof Cluster ? c.duplicate([], { lazyConnect: true }) : c.duplicate({ lazyConnect: true });
  }

  /** XREAD BLOCK must come back before the reader's commandTimeout fires. */
  #block(reader: Client): number {
    const timeout = reader instanceof Cluster ? reader.options.redisOptions?.commandTimeout : reader.options.commandTimeout;
    return timeout ? Math.max(1, Math.min(this.#blockTimeout, Math.floor(timeout / 2))) : this.#blockTimeout;
  }

  async #read(reader: Client, scripts: BusScripts, signal: AbortSignal): Promise<void> {
    const block = this.#block(reader);
    let synced = this.#readerReady;
    while (!signal.aborted) {
      try {
        if (reader.status !== 'ready') {
          await once(reader, 'ready', { signal });
          continue;
        }
        if (synced !== this.#readerReady) {
          // A new connection: the server may have restarted or failed over.
          const seen = this.#readerReady;
          this.#resync(toInfo(await scripts.nsBusRangeBuffer(this.key, this.#cursor, 0)));
          synced = seen;
        }
        const reply = await reader.xreadBuffer('COUNT', this.batchSize, 'BLOCK', block, 'STREAMS', this.key, this.#cursor);
        if (signal.aborted) return;
        const rows = reply?.[0]?.[1];
        // An empty list (not nil) comes when the stream was recreated under a blocked read.
        if (rows && rows.length > 0) this.#deliver(rows);
      } catch (err) {
        if (signal.aborted) return;
        // A dropped connection is reported by its own events; this is a failing command (timeout, wrong type...).
        if (reader.status === 'ready') {
          this.#status({ connection: 'subscriber', status: 'error', error: err as Error }, 'reader');
          await sleep(100, undefined, { signal }).catch(() => {});
        }
      }
    }
  }

  #resync(info: StreamInfo | null): void {
    if (!info) {
      // The stream is gone: whatever appears in it from now on is new to
      // this worker, whatever ids the server's clock gives it.
      this.#cursor = '0-0';
      return;
    }
    if (this.#cursor !== '0-0' && lostAfter(this.#cursor, info)) {
      this.#status({ connection: 'subscriber', status: 'error', error: new BusGapError(this.#cursor) }, 'reader');
    }
  }

  #deliver(rows: Row[]): void {
    const entries = rows.map(decode);
    this.#cursor = entries.at(-1)!.id;
    const handler = this.#handler;
    if (!handler) return;
    try {
      handler(entries);
    } catch (err) {
      if (this.#onError) this.#onError(err);
      else
        queueMicrotask(() => {
          throw err;
        });
    }
  }

  #status(e: StatusEvent, connection: BusConnectionRole): void {
    const { connection: _role, ...rest } = e;
    this.emit('status', { ...rest, connection });
  }
}
