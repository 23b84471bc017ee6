import type { PollResult } from '@nonstick/server';
import { decodeFlag, MalformedReplyError, ReplyReader } from '../decode.js';
import type { ScriptDef } from './types.js';

/**
 * Push-and-wake, with the owner's acknowledgement of inbound entries and the
 * session's mark. KEYS: s q i p x. ARGV: me, maxQueueLength, closeLinger,
 * ack, hasMark ('1' | ''), mark, entries...
 * Drops the `ack` oldest pending entries (even on a closed session: they
 * were handled), records the mark (open sessions only), then returns 1
 * (queued, waiter woken; also for no entries), 0 (unknown or closed:
 * dropped), or the owner's id when the queue would overflow: the session was
 * closed instead ('transport error', owner told even if it is the caller).
 * The mark is written in this script so it never says more (or less) was
 * stored than the queue holds.
 */
export const push = {
  name: 'nsPush',
  keys: 5,
  prelude: true,
  lua: `
local f = redis.call('HMGET', KS, 'o', 'c', 'ce')
if not f[1] then return 0 end
local ack = tonumber(ARGV[4])
if ack > 0 then redis.call('LTRIM', KP, ack, -1) end
if f[2] then return 0 end
if ARGV[5] == '1' then redis.call('HSET', KS, 'mk', ARGV[6]) end
local n = #ARGV - 6
if n == 0 then return 1 end
if redis.call('LLEN', KQ) + n > tonumber(ARGV[2]) then
  if f[3] ~= '' then redis.call('RPUSH', KQ, f[3]) end
  return close_session(ARGV[1], 'transport error', true, ARGV[3])
end
rpush_range(KQ, ARGV, 7, #ARGV)
wake()
return 1
`,
} as const satisfies ScriptDef;

/**
 * Drain-or-wait. KEYS: s q i p x. ARGV: me, transport, pollId, stealWorker,
 * stealPollId (both '' when not stealing), now, request ('' = none).
 * Returns 0 unknown | 1 wait | {'t', transport} | {'b', worker, pollId}
 * | {'d', generation, flags, {entries}}.
 * A closed session hands out what is left once, then is deleted (unless
 * inbound entries still wait for its owner). The first request to a settling
 * session is timestamped ('fs') in the same step as it is served. Entries
 * drained for a named request stay in flight ('fr', 'fl') until the next
 * poll: the same request gets them again, ahead of the queue (Store.poll).
 */
export const poll = {
  name: 'nsPoll',
  keys: 5,
  prelude: true,
  lua: `
local me, poll_id = ARGV[1], ARGV[3]
local request = ARGV[7]
local f = redis.call('HMGET', KS, 't', 'ww', 'wp', 'c', 'p', 'g', 'f', 'sg', 'fs', 'fr')
if not f[1] then return 0 end
if f[1] ~= ARGV[2] then return {'t', f[1]} end
if f[8] and not f[9] then redis.call('HSET', KS, 'fs', ARGV[6]) end
local ww, wp = f[2], f[3]
if ww and not (ww == me and wp == poll_id) and not (ww == ARGV[4] and wp == ARGV[5]) then
  return {'b', ww, wp}
end
local entries = take(KQ)
if f[10] then
  if request ~= '' and f[10] == request then
    local replay = cmsgpack.unpack(redis.call('HGET', KS, 'fl'))
    for i = 1, #entries do replay[#replay + 1] = entries[i] end
    entries = replay
  end
  redis.call('HDEL', KS, 'fr', 'fl')
end
if #entries > 0 then
  if request ~= '' then redis.call('HSET', KS, 'fr', request, 'fl', cmsgpack.pack(entries)) end
  if f[5] == '1' then
    redis.call('HSET', KS, 'ww', me, 'wp', '*')
    redis.call('HDEL', KS, 'wk')
  else
    redis.call('HDEL', KS, 'ww', 'wp', 'wk')
  end
  if f[4] and redis.call('EXISTS', KI, KP) == 0 then redis.call('DEL', KS, KT) end
  return {'d', f[6], f[7], entries}
end
if f[4] then
  redis.call('DEL', KS, KQ, KI, KP, KT)
  return 0
end
redis.call('HSET', KS, 'ww', me, 'wp', poll_id)
redis.call('HDEL', KS, 'wk')
return 1
`,
} as const satisfies ScriptDef;

/** KEYS: s. ARGV: me, pollId. Returns 1 if that waiter was registered (and is now removed), else 0. */
export const unpoll = {
  name: 'nsUnpoll',
  keys: 1,
  prelude: false,
  lua: `
local w = redis.call('HMGET', KEYS[1], 'ww', 'wp')
if w[1] == ARGV[1] and w[2] == ARGV[2] then
  redis.call('HDEL', KEYS[1], 'ww', 'wp', 'wk')
  return 1
end
return 0
`,
} as const satisfies ScriptDef;

/** What a `push` did: queued (and woke the waiter), dropped (unknown or closed session), or closed the session on overflow. */
export type PushReply = { kind: 'queued' } | { kind: 'dropped' } | { kind: 'overflow'; owner: string };

export function decodePushReply(raw: unknown): PushReply {
  if (raw === 1) return { kind: 'queued' };
  if (raw === 0) return { kind: 'dropped' };
  if (typeof raw === 'string') return { kind: 'overflow', owner: raw };
  throw new MalformedReplyError(push.name, 'expected 0, 1 or the owner', raw);
}

export function decodePollReply(raw: unknown): PollResult {
  if (raw === 1) return { kind: 'wait' };
  if (raw === 0) return { kind: 'unknown' };
  const r = new ReplyReader(poll.name, raw);
  switch (r.tag) {
    case 'd':
      return { kind: 'data', generation: r.generation(1, 'generation'), flags: r.str(2, 'flags'), entries: r.strs(3, 'entries') };
    case 't':
      return { kind: 'transport', transport: r.str(1, 'transport') };
    case 'b':
      return { kind: 'busy', holder: { worker: r.str(1, 'worker'), pollId: r.str(2, 'pollId') } };
    default:
      throw r.malformed(`unknown tag ${r.tag}`);
  }
}

/** Whether the poll was registered (and is now cleared). */
export function decodeUnpollReply(raw: unknown): boolean {
  return decodeFlag(unpoll.name, raw);
}
