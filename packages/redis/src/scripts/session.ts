import { MalformedReplyError, toHash } from '../decode.js';
import type { ScriptDef } from './types.js';

/**
 * KEYS: s q i p x. ARGV: field value pairs of the new record (computed by the
 * caller, see RedisStore#create). Returns 1.
 * A sid is unique, but like MemoryStore a create replaces whatever was there
 * (state included).
 */
export const create = {
  name: 'nsCreate',
  keys: 5,
  prelude: false,
  lua: `
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5])
redis.call('HSET', KEYS[1], unpack(ARGV))
return 1
`,
} as const satisfies ScriptDef;

/**
 * KEYS: s q i p x. Returns the owner, or nil if the session was unknown.
 * A poll parked on the session (on any worker) is woken, so that it finds the
 * session unknown now rather than at the end of its polling duration.
 */
export const destroy = {
  name: 'nsDestroy',
  keys: 5,
  prelude: true,
  lua: `
local f = redis.call('HMGET', KS, 'o', 'wp')
if f[2] and f[2] ~= '*' then wake() end
redis.call('DEL', KS, KQ, KI, KP, KT)
return f[1]
`,
} as const satisfies ScriptDef;

/**
 * KEYS: s q i p x. ARGV: me, closeLinger, reason, finalEntries...
 * Returns 0 if unknown or already closed, else the owner.
 */
export const close = {
  name: 'nsClose',
  keys: 5,
  prelude: true,
  lua: `
local f = redis.call('HMGET', KS, 'o', 'c')
if not f[1] or f[2] then return 0 end
for k = 4, #ARGV do
  if ARGV[k] ~= '' then redis.call('RPUSH', KQ, ARGV[k]) end
end
return close_session(ARGV[1], ARGV[3], false, ARGV[2])
`,
} as const satisfies ScriptDef;

/**
 * Sets (ARGV: field, value) or deletes (ARGV: field) one field of the
 * session's state. KEYS: s x. Returns 1, or 0 when the session is unknown.
 * Atomic: the existence check, the write and the record's TTL (a closed session's) must see one session, never one deleted meanwhile.
 */
export const setState = {
  name: 'nsSetState',
  keys: 2,
  prelude: false,
  lua: `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if #ARGV < 2 then
  redis.call('HDEL', KEYS[2], ARGV[1])
  return 1
end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
local ttl = redis.call('PTTL', KEYS[1])
if ttl > 0 then redis.call('PEXPIRE', KEYS[2], ttl) end
return 1
`,
} as const satisfies ScriptDef;

/**
 * KEYS: s x. Returns the state as HGETALL does (field, value, ...); empty
 * when the session is unknown.
 * Atomic: read with the record's existence, the state of a session that is gone never shows (its keys expire independently).
 */
export const getState = {
  name: 'nsGetState',
  keys: 2,
  prelude: false,
  lua: `
if redis.call('EXISTS', KEYS[1]) == 0 then return {} end
return redis.call('HGETALL', KEYS[2])
`,
} as const satisfies ScriptDef;

/** The owner of the session that was closed; null when it was unknown or already closed. */
export function decodeCloseReply(raw: unknown): string | null {
  if (raw === 0) return null;
  if (typeof raw !== 'string') throw new MalformedReplyError(close.name, 'expected 0 or the owner', raw);
  return raw;
}

/** The owner of the session that was removed; null when it was unknown. */
export function decodeDestroyReply(raw: unknown): string | null {
  if (raw !== null && typeof raw !== 'string') throw new MalformedReplyError(destroy.name, 'expected nil or the owner', raw);
  return raw;
}

export function decodeGetStateReply(raw: unknown): Record<string, string> {
  return toHash(raw, getState.name);
}
