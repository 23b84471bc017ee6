/**
 * Key layout. Everything of one session lives under keys hash-tagged on its
 * sid (`<prefix>:{<sid>}:s|q|i|p|x`) so a session script touches one Redis
 * Cluster slot. The global keys (worker registry, owner indexes, heartbeat
 * schedule) and the recovery records (each in its own slot) are only ever
 * touched by plain single-key commands, never from a session script.
 */

export const DEFAULT_PREFIX = 'ns';

/**
 * Braces would change which part of a key is the hash tag, and the prefix is
 * baked into the Lua scripts as a string literal: keep it to a plain charset.
 */
const PREFIX_RE = /^[A-Za-z0-9_.:-]{1,64}$/;

export function checkPrefix(prefix: string): string {
  if (!PREFIX_RE.test(prefix)) {
    throw new TypeError(`RedisStore: invalid key prefix ${JSON.stringify(prefix)} (1-64 of A-Z a-z 0-9 _ . : -)`);
  }
  return prefix;
}

/**
 * Whether a sid can be a hash tag. An empty sid, or one starting with `}`,
 * gives an empty tag, and Redis Cluster then hashes the whole key: the three
 * keys of one session would land in different slots. No session can have
 * such an id (the engine generates base64url ids), so callers treat them as
 * unknown without asking Redis.
 */
export function isTaggable(sid: string): boolean {
  return sid.length > 0 && sid.charCodeAt(0) !== 0x7d;
}

/** The hash tag Redis Cluster uses for `key` (the whole key when there is none). */
export function hashTag(key: string): string {
  const open = key.indexOf('{');
  if (open === -1) return key;
  const close = key.indexOf('}', open + 1);
  if (close === -1 || close === open + 1) return key;
  return key.slice(open + 1, close);
}

export class Keys {
  /** ZSET: member = worker id, score = lease expiry (ms). */
  readonly workers: string;
  /** ZSET: member = sid, score = when its heartbeat may next need attention (a hint). */
  readonly heartbeats: string;
  readonly #owned: string;
  readonly #channel: string;
  readonly #recovery: string;

  constructor(readonly prefix: string) {
    this.workers = `${prefix}:workers`;
    this.heartbeats = `${prefix}:hb`;
    this.#owned = `${prefix}:owned:`;
    this.#channel = `${prefix}:w:`;
    this.#recovery = `${prefix}:r:`;
  }

  /** HASH: the session record and its bookkeeping (see scripts/lib.ts for the fields). */
  session(sid: string): string {
    return `${this.prefix}:{${sid}}:s`;
  }

  /** LIST: outbound queue (entries for the client). */
  queue(sid: string): string {
    return `${this.prefix}:{${sid}}:q`;
  }

  /** LIST: inbox (inbound entries relayed to the owner, not taken yet). */
  inbox(sid: string): string {
    return `${this.prefix}:{${sid}}:i`;
  }

  /** LIST: inbound entries the owner has taken but not acknowledged. */
  pending(sid: string): string {
    return `${this.prefix}:{${sid}}:p`;
  }

  /** HASH: state of the layers above (`setState`), field = name; exists only once something is set. */
  state(sid: string): string {
    return `${this.prefix}:{${sid}}:x`;
  }

  /** The four keys every session has, in the order the session scripts take them as KEYS. */
  sessionKeys(sid: string): [string, string, string, string] {
    const tag = `${this.prefix}:{${sid}}:`;
    return [`${tag}s`, `${tag}q`, `${tag}i`, `${tag}p`];
  }

  /** `sessionKeys` plus the state hash: the KEYS of scripts that may delete or expire the session. */
  allKeys(sid: string): [string, string, string, string, string] {
    const tag = `${this.prefix}:{${sid}}:`;
    return [`${tag}s`, `${tag}q`, `${tag}i`, `${tag}p`, `${tag}x`];
  }

  /** SET: sids owned by the worker (a superset: `claim` checks the real owner). */
  owned(workerId: string): string {
    return this.#owned + workerId;
  }

  /** STRING: a connection-state recovery record (`saveRecovery`), expiring by PX; in its own slot. */
  recovery(id: string): string {
    return this.#recovery + id;
  }

  /** Pub/sub channel of a worker's messages. */
  channel(workerId: string): string {
    return this.#channel + workerId;
  }
}
