import type { ScriptDef } from './types.js';

/**
 * KEYS: s q i p. ARGV: field value pairs of the new record (computed by the
 * caller, see RedisStore#create). Returns 1.
 * A sid is unique, but like MemoryStore a create replaces whatever was there.
 */
export const create = {
  name: 'nsCreate',
  keys: 4,
  prelude: false,
  lua: `
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4])
redis.call('HSET', KEYS[1], unpack(ARGV))
return 1
`,
} as const satisfies ScriptDef;

/** KEYS: s q i p. Returns the owner, or nil if the session was unknown. */
export const destroy = {
  name: 'nsDestroy',
  keys: 4,
  prelude: false,
  lua: `
local owner = redis.call('HGET', KEYS[1], 'o')
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4])
return owner
`,
} as const satisfies ScriptDef;

/**
 * KEYS: s q i p. ARGV: me, closeLinger, reason, finalEntries...
 * Returns 0 if unknown or already closed, else the owner.
 */
export const close = {
  name: 'nsClose',
  keys: 4,
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
