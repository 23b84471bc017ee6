import { ReplyReader, strings } from '../decode.js';
import type { ScriptDef } from './types.js';

/**
 * Takes up to `limit` sids due by `now` from the heartbeat schedule and
 * re-scores them to `leaseUntil`, so sweepers on other workers skip them
 * while this one handles them (and pick them up again if it dies meanwhile).
 * KEYS: hb. ARGV: now, limit, leaseUntil. Returns the sids.
 * The only script on a global key, and it touches nothing else.
 */
export const claimDue = {
  name: 'nsClaimDue',
  keys: 1,
  prelude: false,
  lua: `
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[2])
local args = {}
for k = 1, #due do
  args[#args + 1] = ARGV[3]
  args[#args + 1] = due[k]
  -- unpack() is bounded by Lua's C stack: write in slices.
  if #args >= 4000 or k == #due then
    redis.call('ZADD', KEYS[1], unpack(args))
    args = {}
  end
end
return due
`,
} as const satisfies ScriptDef;

/**
 * One session's heartbeat, branch by branch as MemoryStore#sweepHeartbeats.
 * KEYS: s q i p x. ARGV: me, now, closeLinger.
 * Returns 0 (nothing to schedule: gone, closed, or no store heartbeat)
 *   | {'s', dueAt} (not due yet) | {'p', dueAt} (pinged)
 *   | {'t', owner} (timed out and closed; the owner is told even if it is me).
 */
export const heartbeat = {
  name: 'nsHeartbeat',
  keys: 5,
  prelude: true,
  lua: `
local f = redis.call('HMGET', KS, 'h', 'c', 'du', 'hm', 'dl', 'np', 'pt', 'pe', 'ce', 'g')
if f[1] ~= '1' or f[2] then return 0 end
local now = tonumber(ARGV[2])
local due = tonumber(f[3])
if due > now then return {'s', due} end
local deadline = tonumber(f[5])
if f[4] == 'client' or deadline > 0 then
  if now >= deadline then
    local engine_io = f[10] == 'eio4' or f[10] == 'eio3'
    local w = redis.call('HMGET', KS, 'ww', 'wp')
    if engine_io then
      -- As engine.io: gone at once. Only a waiting poll hears the close; the
      -- client's next request gets Session ID unknown.
      redis.call('DEL', KQ)
      redis.call('HDEL', KS, 'fr', 'fl')
    end
    local heard = not engine_io or (w[1] and w[2] ~= '*')
    if heard and f[9] ~= '' then redis.call('RPUSH', KQ, f[9]) end
    return {'t', close_session(ARGV[1], 'ping timeout', true, ARGV[3])}
  end
  redis.call('HSET', KS, 'du', deadline)
  return {'s', deadline}
end
local next_ping = tonumber(f[6])
if now >= next_ping then
  redis.call('RPUSH', KQ, f[8])
  wake()
  deadline = now + tonumber(f[7])
  redis.call('HSET', KS, 'dl', deadline, 'du', deadline)
  return {'p', deadline}
end
redis.call('HSET', KS, 'du', next_ping)
return {'s', next_ping}
`,
} as const satisfies ScriptDef;

/** The sids this sweeper now holds. */
export function decodeClaimDueReply(raw: unknown): string[] {
  return strings(claimDue.name, 'sids', raw);
}

export type HeartbeatReply =
  /** Nothing to schedule: gone, closed, or no store heartbeat. */
  | { kind: 'none' }
  | { kind: 'scheduled'; due: number }
  | { kind: 'pinged'; due: number }
  /** Timed out and closed; its owner was told. */
  | { kind: 'timedOut'; owner: string };

export function decodeHeartbeatReply(raw: unknown): HeartbeatReply {
  if (raw === 0) return { kind: 'none' };
  const r = new ReplyReader(heartbeat.name, raw);
  switch (r.tag) {
    case 's':
      return { kind: 'scheduled', due: r.num(1, 'due') };
    case 'p':
      return { kind: 'pinged', due: r.num(1, 'due') };
    case 't':
      return { kind: 'timedOut', owner: r.str(1, 'owner') };
    default:
      throw r.malformed(`unknown tag ${r.tag}`);
  }
}
