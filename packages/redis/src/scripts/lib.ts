import { RECORD_FIELDS } from '../decode.js';

/**
 * The Lua prelude shared by every session script (EVAL has no shared
 * functions, so each script carries its own copy). It mirrors the private
 * helpers of MemoryStore (`#wake`, `#close`, `#takeInbox`, `#record`).
 *
 * Session scripts get their keys in one order, all tagged `{<sid>}`:
 *   KEYS[1] s  HASH  the record and its bookkeeping (fields below)
 *   KEYS[2] q  LIST  outbound queue
 *   KEYS[3] i  LIST  inbox: relayed inbound entries the owner has not taken yet
 *   KEYS[4] p  LIST  pending: inbound entries taken by the owner, not yet acknowledged
 *   KEYS[5] x  HASH  state of the layers above (`setState`); only scripts that
 *                    may delete or expire the session (close_session, DEL) get it
 * (scripts that only need the record get KEYS[1] alone).
 *
 * Session hash fields:
 *   g   generation            t   transport             o   owner
 *   e   epoch                 p   persistent ('1'/'0')  h   storeHeartbeat ('1'/'0')
 *   c   close reason (absent while open)                u   upgrading worker (absent if none)
 *   ww  waiter worker         wp  waiter poll id        wk  '1' once the waiter was woken
 *   pi  pingInterval          pt  pingTimeout           hm  heartbeat mode ('server'/'client')
 *   pe  pingEntry             ce  closeEntry
 *   np  next ping (ms)        dl  pong/activity deadline (ms, 0 = none)
 *   du  when the heartbeat sweep should look at it next (ms); the `hb` ZSET is only a hint of it
 *   hs  handshake             f   flags
 *   cr  created (ms)          mk  mark (last `push` mark, absent = '')
 *   sg  '1' while settling (not announced yet; absent once settled)
 *   fs  first client request after creation, while settling (ms, absent = not yet)
 *   fr  request token of the last drain (absent = nothing in flight)
 *   fl  the entries of that drain, cmsgpack-encoded (in flight until the next poll)
 *
 * Times always come from the caller (ARGV), never from TIME, so a sweep at an
 * explicit `now` behaves like MemoryStore's. Times written back by Lua are
 * whole milliseconds, which doubles hold exactly.
 */
export const PRELUDE = `
local PREFIX = '%PREFIX%'
local CHANNEL = PREFIX .. ':w:'
local KS, KQ, KI, KP, KT = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
-- KS is PREFIX .. ':{' .. sid .. '}:s': the sid is cut out of it rather than passed again.
local SID = string.sub(KS, #PREFIX + 3, -4)

-- unpack() is bounded by Lua's C stack (~8000 values): push big batches in slices.
local function rpush_range(key, t, first, last)
  while first <= last do
    local upto = math.min(first + 3999, last)
    redis.call('RPUSH', key, unpack(t, first, upto))
    first = upto + 1
  end
end

-- The whole list, now gone.
local function take(key)
  local items = redis.call('LRANGE', key, 0, -1)
  if #items > 0 then redis.call('DEL', key) end
  return items
end

-- Moves the inbox to the end of the pending list; returns what moved.
local function move_inbox()
  local items = redis.call('LRANGE', KI, 0, -1)
  if #items > 0 then
    if redis.call('LLEN', KP) == 0 then
      redis.call('RENAME', KI, KP)
    else
      rpush_range(KP, items, 1, #items)
      redis.call('DEL', KI)
    end
  end
  return items
end

-- Tells the registered waiter to drain, once per wait ('wk' is cleared when it polls again).
local function wake()
  local w = redis.call('HMGET', KS, 'ww', 'wp', 'wk')
  if w[1] and not w[3] then
    redis.call('HSET', KS, 'wk', '1')
    redis.call('PUBLISH', CHANNEL .. w[1], 'w|' .. SID .. '|' .. w[2])
  end
end

-- RECORD_FIELDS of decode.ts, which reads the reply in this order.
local RECORD = {${RECORD_FIELDS.map((f) => `'${f}'`).join(', ')}}
local function record() return redis.call('HMGET', KS, unpack(RECORD)) end

-- Marks the session closed; the caller has already queued the final entries.
-- notify_self: tell the owner even when it is the caller (the close did not
-- come from its own request handling: a sweep, a queue overflow). linger: ms
-- until the keys expire (all five: the script must have KT), nil when the
-- caller deletes them at once.
-- Returns the owner (the caller drops the sid from the owner index).
local function close_session(me, reason, notify_self, linger)
  redis.call('HSET', KS, 'c', reason)
  redis.call('HDEL', KS, 'u')
  local f = redis.call('HMGET', KS, 'o', 'ww', 'wp')
  if notify_self or f[1] ~= me then
    redis.call('PUBLISH', CHANNEL .. f[1], 'c|' .. SID .. '|' .. reason)
  end
  if f[2] and f[3] ~= '*' then wake() end
  if linger then
    for k = 1, 5 do redis.call('PEXPIRE', KEYS[k], linger) end
  end
  return f[1]
end
`;
