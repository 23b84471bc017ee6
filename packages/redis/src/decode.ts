import type { Generation, HeartbeatMode, SessionRecord } from '@nonstick/server';

/**
 * Replies as ioredis hands them over: bulk strings, integers, nil (null) and
 * nested arrays. The scripts return small positional arrays; these helpers
 * read them without any intermediate objects.
 */
export type Reply = string | number | null | Reply[];

/** The session hash fields a record is read from, in reply order (also `RECORD` in the Lua prelude). */
export const RECORD_FIELDS = ['t', 'o', 'e', 'c', 'u', 'g', 'pi', 'pt', 'hm', 'hs', 'f', 'cr', 'mk'] as const;

/** A record from an HMGET of RECORD_FIELDS; null when the session does not exist. */
export function toRecord(sid: string, a: readonly (string | null)[]): SessionRecord | null {
  const owner = a[1];
  if (owner === null || owner === undefined) return null;
  return {
    sid,
    generation: a[5] as Generation,
    transport: a[0] ?? '',
    owner,
    epoch: Number(a[2]),
    closed: a[3] ?? null,
    upgrading: a[4] ?? null,
    pingInterval: Number(a[6]),
    pingTimeout: Number(a[7]),
    heartbeat: a[8] as HeartbeatMode,
    handshake: a[9] ?? '',
    flags: a[10] ?? '',
    created: Number(a[11] ?? 0),
    mark: a[12] ?? '',
  };
}

/** A hash as HGETALL returns it inside a script reply: field, value, field, value... */
export function toHash(reply: Reply | undefined): Record<string, string> {
  const a = (reply ?? []) as string[];
  const pairs: Array<[string, string]> = [];
  for (let n = 0; n + 1 < a.length; n += 2) pairs.push([a[n]!, a[n + 1]!]);
  // fromEntries, not assignment: a field named `__proto__` stays a field (as in MemoryStore).
  return Object.fromEntries(pairs);
}

/** A record a script returned for a session it just read (so it exists). */
export function scriptRecord(sid: string, reply: Reply | undefined): SessionRecord {
  const rec = toRecord(sid, reply as (string | null)[]);
  if (!rec) throw new Error(`RedisStore: script returned no record for session ${sid}`);
  return rec;
}

