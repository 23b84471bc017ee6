import { compareIds, ID_PATTERN, type Bus, type BusEntry, type BusHandler, type BusInput, type BusOptions } from './Bus.js';

type Reader = (entry: BusEntry) => void;

/** Compacts the trimmed head of the array once it is this long and at least half of it. */
const COMPACT_AT = 1024;

function msOf(id: string): number {
  return Number(id.slice(0, id.indexOf('-')));
}

/**
 * The log shared by every MemoryBus handle of a process (one per simulated
 * worker in tests; one in an embedded single-worker server). Ids are
 * `<ms>-<seq>` like Redis stream ids and never go backwards, even if the
 * clock does.
 */
export class MemoryLog {
  /** Entries from `#head` on are live; those before it were trimmed (kept until compaction). */
  #entries: BusEntry[] = [];
  #head = 0;
  readonly #readers = new Set<Reader>();
  #trimmedUpTo = '0-0';
  #lastMs = 0;
  #seq = 0;

  /**
   * Appends (ids from the clock, like `XADD *`), trims what is older than
   * `retention`, and hands the entry to every reader, synchronously.
   */
  append(input: BusInput, retention: number): BusEntry {
    const now = Date.now();
    if (now > this.#lastMs) {
      this.#lastMs = now;
      this.#seq = 0;
    } else this.#seq++;
    // Frozen: every reader (and every later replay) gets this same object.
    const entry: BusEntry = Object.freeze({
      id: `${this.#lastMs}-${this.#seq}`,
      kind: input.kind,
      fields: Object.freeze([...input.fields]) as string[],
      binary: Object.freeze([...input.binary]) as Uint8Array[],
    });
    this.#entries.push(entry);
    this.#trim(this.#lastMs - retention);
    for (const r of this.#readers) r(entry);
    return entry;
  }

  subscribe(reader: Reader): void {
    this.#readers.add(reader);
  }

  unsubscribe(reader: Reader): void {
    this.#readers.delete(reader);
  }

  /** Live (untrimmed) entries. */
  get length(): number {
    return this.#entries.length - this.#head;
  }

  /** The newest id issued (`0-0` before the first append), even if trimmed since. */
  get lastId(): string {
    return this.#lastMs ? `${this.#lastMs}-${this.#seq}` : '0-0';
  }

  /** The newest id trimmed away (`0-0` if none): replays from before it would have a gap. */
  get trimmedUpTo(): string {
    return this.#trimmedUpTo;
  }

  /** Live entries strictly after `id`, oldest first, at most `limit`. */
  after(id: string, limit: number): BusEntry[] {
    const entries = this.#entries;
    // First index whose id is > `id` (ids are sorted).
    let lo = this.#head;
    let hi = entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareIds(entries[mid]!.id, id) > 0) hi = mid;
      else lo = mid + 1;
    }
    return entries.slice(lo, lo + limit);
  }

  #trim(before: number): void {
    const entries = this.#entries;
    let head = this.#head;
    while (head < entries.length && msOf(entries[head]!.id) < before) head++;
    if (head === this.#head) return;
    this.#trimmedUpTo = entries[head - 1]!.id;
    if (head >= COMPACT_AT && head * 2 >= entries.length) {
      this.#entries = entries.slice(head);
      head = 0;
    }
    this.#head = head;
  }
}

export interface MemoryBusOptions extends Partial<BusOptions> {
  /** The log to share with other handles (simulated workers); default: a new one. */
  log?: MemoryLog;
  /**
   * Receives what the `start` handler throws. Delivery goes on either way;
   * without `onError` the error is rethrown outside the bus (an uncaught
   * exception, as a throwing store handler is).
   */
  onError?: (error: unknown) => void;
}

/**
 * In-process bus: the embedded default for one worker, and the reference
 * implementation of the contract (several handles on one `MemoryLog` act as
 * workers of one cluster).
 *
 * Delivery is asynchronous, as from a stream reader: entries published in
 * one synchronous run reach each handle's handler as one batch, in a
 * microtask; a publisher never runs handlers inside its own `publish` call.
 * Entries are frozen and shared (the binary attachments are not copied: do
 * not modify them after publishing).
 */
export class MemoryBus implements Bus {
  readonly kind = 'memory';
  readonly log: MemoryLog;
  readonly options: BusOptions;
  readonly #onError: ((error: unknown) => void) | undefined;
  #handler: BusHandler | null = null;
  #pending: BusEntry[] = [];
  #scheduled = false;

  constructor(options: MemoryBusOptions = {}) {
    this.log = options.log ?? new MemoryLog();
    this.options = { retention: options.retention ?? 120_000 };
    this.#onError = options.onError;
  }

  async start(onEntries: BusHandler): Promise<void> {
    if (this.#handler) throw new Error('MemoryBus: already started');
    this.#handler = onEntries;
    this.log.subscribe(this.#receive);
  }

  async stop(): Promise<void> {
    this.log.unsubscribe(this.#receive);
    this.#handler = null;
    this.#pending = [];
  }

  async publish(input: BusInput): Promise<string> {
    return this.log.append(input, this.options.retention).id;
  }

  async range(afterId: string, limit: number): Promise<BusEntry[] | null> {
    if (!ID_PATTERN.test(afterId)) return null;
    if (compareIds(afterId, this.log.trimmedUpTo) < 0) return null;
    if (compareIds(afterId, this.log.lastId) > 0) return null;
    const n = Math.floor(limit);
    return n > 0 ? this.log.after(afterId, n) : [];
  }

  async lastId(): Promise<string> {
    return this.log.lastId;
  }

  readonly #receive = (entry: BusEntry): void => {
    this.#pending.push(entry);
    if (this.#scheduled) return;
    this.#scheduled = true;
    queueMicrotask(this.#deliver);
  };

  readonly #deliver = (): void => {
    this.#scheduled = false;
    const batch = this.#pending;
    this.#pending = [];
    const handler = this.#handler;
    if (!handler || batch.length === 0) return;
    try {
      handler(batch);
    } catch (err) {
      if (this.#onError) this.#onError(err);
      else
        queueMicrotask(() => {
          throw err;
        });
    }
  };
}
