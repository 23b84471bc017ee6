import { MalformedReplyError, ReplyReader, strings } from '../decode.js';
import type { ScriptDef } from './types.js';

/**
 * Inbound data from any worker. KEYS: s q i p x.
 * ARGV: me, transport, now, heartbeat ('' | 'pong' | 'activity'),
 *       closing ('1' | ''), close reason, closeLinger, replyCount,
 *       replies... (replyCount of them), messages...
 * Returns 0 unknown | {'t', transport}
 *   | {'l', {inbox backlog, now pending}, rescheduleAt, closed}   (this worker owns it)
 *   | {'r', owner, rescheduleAt, closed, settling}                (relayed to the owner's inbox; settling 1 while not announced)
 * rescheduleAt > 0 when the heartbeat became due earlier than the `hb` hint
 * says; closed is 1 when the input closed the session.
 * The messages travel to Redis even when this worker turns out to be the
 * owner (it cannot know beforehand); they are then not stored. While the
 * session settles they are stored whoever asks, owner included ('r'), and
 * the first request is timestamped ('fs').
 */
export const ingest = {
  name: 'nsIngest',
  keys: 5,
  prelude: true,
  lua: `
local me = ARGV[1]
local f = redis.call('HMGET', KS, 'o', 't', 'c', 'pi', 'pt', 'h', 'du', 'sg', 'fs')
local owner = f[1]
if not owner or f[3] then return 0 end
if f[2] ~= ARGV[2] then return {'t', f[2]} end
local now = tonumber(ARGV[3])
local at
if ARGV[4] == 'pong' then
  at = now + tonumber(f[4])
  redis.call('HSET', KS, 'dl', 0, 'np', at)
elseif ARGV[4] == 'activity' then
  at = now + tonumber(f[4]) + tonumber(f[5])
  redis.call('HSET', KS, 'dl', at)
end
local reschedule = 0
if at and f[6] == '1' then
  redis.call('HSET', KS, 'du', at)
  -- A later due time needs no ZSET write: the sweep finds the early hint,
  -- re-reads 'du' and reschedules. Only an earlier one must be announced.
  if at < tonumber(f[7]) then reschedule = at end
end
local first_message = 9 + tonumber(ARGV[8])
if first_message > 9 then
  rpush_range(KQ, ARGV, 9, first_message - 1)
  wake()
end
local settling = f[8]
if settling and not f[9] then redis.call('HSET', KS, 'fs', now) end
local result
-- While settling nobody has announced the session: messages wait in the inbox.
if owner == me and not settling then
  result = {'l', move_inbox(), reschedule, 0}
else
  if #ARGV >= first_message then
    rpush_range(KI, ARGV, first_message, #ARGV)
    redis.call('PUBLISH', CHANNEL .. owner, 'i|' .. SID)
  end
  result = {'r', owner, reschedule, 0, settling and 1 or 0}
end
if ARGV[5] == '1' then
  close_session(me, ARGV[6], false, ARGV[7])
  result[4] = 1
end
return result
`,
} as const satisfies ScriptDef;

/**
 * KEYS: s q i p. ARGV: me. Moves the inbox to pending and returns what
 * moved; nil when this worker is not the owner.
 */
export const drainInbox = {
  name: 'nsDrainInbox',
  keys: 4,
  prelude: true,
  lua: `
if redis.call('HGET', KS, 'o') ~= ARGV[1] then return false end
return move_inbox()
`,
} as const satisfies ScriptDef;

export type IngestReply =
  | { kind: 'unknown' }
  | { kind: 'transport'; transport: string }
  /** This worker owns the session: `backlog` is what waited in the inbox (now pending). */
  | { kind: 'local'; backlog: string[]; rescheduleAt: number; closed: boolean }
  | { kind: 'relayed'; owner: string; rescheduleAt: number; closed: boolean; settling: boolean };

export function decodeIngestReply(raw: unknown): IngestReply {
  if (raw === 0) return { kind: 'unknown' };
  const r = new ReplyReader(ingest.name, raw);
  switch (r.tag) {
    case 't':
      return { kind: 'transport', transport: r.str(1, 'transport') };
    case 'l':
      return { kind: 'local', backlog: r.strs(1, 'backlog'), rescheduleAt: r.num(2, 'rescheduleAt'), closed: r.flag(3, 'closed') };
    case 'r':
      return {
        kind: 'relayed',
        owner: r.str(1, 'owner'),
        rescheduleAt: r.num(2, 'rescheduleAt'),
        closed: r.flag(3, 'closed'),
        settling: r.flag(4, 'settling'),
      };
    default:
      throw r.malformed(`unknown tag ${r.tag}`);
  }
}

/** What moved from the inbox to pending; null when this worker is not the owner. */
export function decodeDrainInboxReply(raw: unknown): string[] | null {
  if (raw === null) return null;
  if (!Array.isArray(raw)) throw new MalformedReplyError(drainInbox.name, 'expected nil or a list', raw);
  return strings(drainInbox.name, 'entries', raw);
}
