/**
 * The cluster bus: an ordered log every worker reads, for what concerns
 * sockets on any worker — broadcasts, room operations, fetchSockets and
 * serverSideEmit requests. In Redis it is a stream (XADD / XREAD); in one
 * process, an array.
 *
 * Entry ids are the log's offsets (Redis stream ids, `<ms>-<seq>`): totally
 * ordered within one log, and what Socket.IO's connection-state recovery
 * hands to clients as `offset`. Entries are kept for a retention window so a
 * reconnecting client can be replayed what it missed.
 *
 * An entry is encoded once by its publisher and read by every worker as is
 * (fields are opaque strings, binary attachments opaque bytes).
 */
export interface BusEntry {
  /** Log offset, assigned by the bus. */
  id: string;
  /** What the entry is, e.g. `b` (broadcast); the bus does not interpret it. */
  kind: string;
  /** Opaque text fields, e.g. namespace, rooms, encoded packet. */
  fields: string[];
  /** Opaque binary fields (Socket.IO binary attachments). */
  binary: Uint8Array[];
}

export type BusInput = Omit<BusEntry, 'id'>;

export type BusHandler = (entries: BusEntry[]) => void;

export interface BusOptions {
  /** How long entries stay readable for replay (ms). */
  retention: number;
}

export interface Bus {
  readonly kind: string;
  /**
   * Starts delivering every entry published from now on (by any worker,
   * this one included), in log order, in batches. Entries published before
   * `start` resolves may or may not be delivered; entries after it always are.
   */
  start(onEntries: BusHandler): Promise<void>;
  stop(): Promise<void>;
  /** Appends an entry; resolves with its id once it is in the log. */
  publish(entry: BusInput): Promise<string>;
  /**
   * Entries strictly after `afterId`, oldest first, at most `limit`. Null if
   * the log no longer holds everything after `afterId` (it was trimmed past
   * it, or the id is not one this log could have issued): a replay from
   * there would have a gap.
   */
  range(afterId: string, limit: number): Promise<BusEntry[] | null>;
  /** The id of the newest entry (`0-0` for an empty log). */
  lastId(): Promise<string>;
}

/** Compares two `<ms>-<seq>` ids; negative if a < b. */
export function compareIds(a: string, b: string): number {
  const da = a.indexOf('-');
  const db = b.indexOf('-');
  const ma = Number(a.slice(0, da));
  const mb = Number(b.slice(0, db));
  if (ma !== mb) return ma - mb;
  return Number(a.slice(da + 1)) - Number(b.slice(db + 1));
}

export const ID_PATTERN = /^\d{1,16}-\d{1,16}$/;
