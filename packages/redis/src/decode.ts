import type { Generation, HeartbeatMode, SessionRecord } from '@nonstick/server';

/**
 * Replies as ioredis hands them over: bulk strings, integers, nil (null) and
 * nested arrays. The scripts return small positional arrays; each script's
 * reply is read by a decoder next to its Lua (`scripts/*.ts`) through a
 * `ReplyReader`, which names every field it reads and throws a
 * `MalformedReplyError` instead of casting what it did not expect.
 */
export type Reply = string | number | null | Reply[];

/** A script (or command) reply that does not have the shape its decoder expects: a bug or a mismatched script version. */
export class MalformedReplyError extends Error {
  constructor(script: string, why: string, reply: unknown) {
    super(`RedisStore: malformed ${script} reply (${why}): ${preview(reply)}`);
    this.name = 'MalformedReplyError';
  }
}

/** Reads one array reply of `script` by position, each read naming the field it expects there. */
export class ReplyReader {
  readonly script: string;
  readonly #a: readonly unknown[];

  constructor(script: string, raw: unknown) {
    if (!Array.isArray(raw)) throw new MalformedReplyError(script, 'expected an array', raw);
    this.script = script;
    this.#a = raw;
  }

  /** The first element, which tags most replies (`'d'`, `'t'`...). */
  get tag(): string {
    return this.str(0, 'tag');
  }

  str(i: number, field: string): string {
    const v = this.#a[i];
    if (typeof v !== 'string') throw this.malformed(`${field} is not a string`);
    return v;
  }

  num(i: number, field: string): number {
    const v = this.#a[i];
    if (typeof v !== 'number') throw this.malformed(`${field} is not a number`);
    return v;
  }

  /** A Lua `cond and 1 or 0`. */
  flag(i: number, field: string): boolean {
    const v = this.#a[i];
    if (v !== 0 && v !== 1) throw this.malformed(`${field} is not 0 or 1`);
    return v === 1;
  }

  generation(i: number, field: string): Generation {
    const v = this.str(i, field);
    if (!GENERATIONS.has(v)) throw this.malformed(`${field} is not a generation`);
    return v as Generation;
  }

  strs(i: number, field: string): string[] {
    return strings(this.script, field, this.#a[i]);
  }

  /** A `record()` of the Lua prelude (an HMGET of RECORD_FIELDS) for a session the script just read. */
  record(i: number, sid: string): SessionRecord {
    const rec = toRecord(sid, this.#a[i], this.script);
    if (!rec) throw this.malformed(`no record for session ${sid}`);
    return rec;
  }

  /** An HGETALL: field, value, field, value... */
  hash(i: number, field: string): Record<string, string> {
    return toHash(this.#a[i], `${this.script} ${field}`);
  }

  malformed(why: string): MalformedReplyError {
    return new MalformedReplyError(this.script, why, this.#a);
  }
}

/** A script's plain 0 or 1. */
export function decodeFlag(script: string, raw: unknown): boolean {
  if (raw !== 0 && raw !== 1) throw new MalformedReplyError(script, 'expected 0 or 1', raw);
  return raw === 1;
}

export function strings(script: string, field: string, v: unknown): string[] {
  if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) throw new MalformedReplyError(script, `${field} is not a list of strings`, v);
  return v;
}

/** The session hash fields a record is read from, in reply order (also `RECORD` in the Lua prelude). */
export const RECORD_FIELDS = ['t', 'o', 'e', 'c', 'u', 'g', 'pi', 'pt', 'hm', 'hs', 'f', 'cr', 'mk'] as const;

type RecordField = (typeof RECORD_FIELDS)[number];

const AT = Object.fromEntries(RECORD_FIELDS.map((f, i) => [f, i])) as Record<RecordField, number>;
const GENERATIONS: ReadonlySet<string> = new Set<Generation>(['eio4', 'eio3', 'sio1', 'sio06']);
const HEARTBEATS: ReadonlySet<string> = new Set<HeartbeatMode>(['server', 'client']);

/** A record from an HMGET of RECORD_FIELDS; null when the session does not exist. */
export function toRecord(sid: string, reply: unknown, source = 'HMGET record'): SessionRecord | null {
  if (!Array.isArray(reply) || reply.length !== RECORD_FIELDS.length || !reply.every((v) => v === null || typeof v === 'string')) {
    throw new MalformedReplyError(source, `expected ${RECORD_FIELDS.length} fields`, reply);
  }
  const a = reply as readonly (string | null)[];
  const field = (f: RecordField): string | null => a[AT[f]]!;
  const owner = field('o');
  if (owner === null) return null;
  const generation = field('g');
  const heartbeat = field('hm');
  if (generation === null || !GENERATIONS.has(generation)) throw new MalformedReplyError(source, 'generation', reply);
  if (heartbeat === null || !HEARTBEATS.has(heartbeat)) throw new MalformedReplyError(source, 'heartbeat mode', reply);
  return {
    sid,
    generation: generation as Generation,
    transport: field('t') ?? '',
    owner,
    epoch: Number(field('e')),
    closed: field('c'),
    upgrading: field('u'),
    pingInterval: Number(field('pi')),
    pingTimeout: Number(field('pt')),
    heartbeat: heartbeat as HeartbeatMode,
    handshake: field('hs') ?? '',
    flags: field('f') ?? '',
    created: Number(field('cr') ?? 0),
    mark: field('mk') ?? '',
  };
}

/** A hash as HGETALL returns it inside a script reply: field, value, field, value... */
export function toHash(reply: unknown, source: string): Record<string, string> {
  const a = strings(source, 'hash', reply);
  if (a.length % 2 !== 0) throw new MalformedReplyError(source, 'odd hash length', reply);
  const pairs: Array<[string, string]> = [];
  for (let n = 0; n < a.length; n += 2) pairs.push([a[n]!, a[n + 1]!]);
  // fromEntries, not assignment: a field named `__proto__` stays a field (as in MemoryStore).
  return Object.fromEntries(pairs);
}

function preview(v: unknown): string {
  let s: string;
  try {
    s = JSON.stringify(v) ?? String(v);
  } catch {
    s = String(v);
  }
  return s.length > 200 ? `${s.slice(0, 200)}…` : s;
}
