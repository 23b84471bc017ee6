import type { BeginUpgradeResult, SessionRecord } from '@nonstick/server';
import { ReplyReader } from '../decode.js';
import type { ScriptDef } from './types.js';

/**
 * KEYS: s. ARGV: me.
 * Returns 0 unknown | 1 busy | {'t', transport} | {'o', record}.
 */
export const beginUpgrade = {
  name: 'nsBeginUpgrade',
  keys: 1,
  prelude: true,
  lua: `
local f = redis.call('HMGET', KS, 'o', 'c', 'p', 't', 'u')
if not f[1] or f[2] then return 0 end
if f[3] == '1' then return {'t', f[4]} end
if f[5] then return 1 end
redis.call('HSET', KS, 'u', ARGV[1])
return {'o', record()}
`,
} as const satisfies ScriptDef;

/**
 * Switches the session to this worker's persistent transport. KEYS: s q i p.
 * ARGV: me, transport.
 * Returns 0 (gone, closed, or not begun by me)
 *   | {record, {queued entries}, previousOwner, {pending inbound entries}, fresh}.
 * The inbox joins the pending list first: everything inbound not yet
 * acknowledged goes to the new owner. Publishes a handover to the previous
 * owner (if another worker) and wakes a registered poll (it will find the
 * transport changed). fresh is 1 when the session was still settling: the
 * settling ends here, so the polling owner can no longer settle it too.
 */
export const completeUpgrade = {
  name: 'nsCompleteUpgrade',
  keys: 4,
  prelude: true,
  lua: `
local me = ARGV[1]
local f = redis.call('HMGET', KS, 'o', 'u', 'c', 'ww', 'wp', 'sg')
local previous = f[1]
if not previous or f[3] or f[2] ~= me then return 0 end
redis.call('HSET', KS, 't', ARGV[2], 'p', '1', 'h', '0', 'ww', me, 'wp', '*')
-- 'fr'/'fl': the client upgrades only after reading its last poll's answer.
redis.call('HDEL', KS, 'u', 'wk', 'sg', 'fr', 'fl')
local entries = take(KQ)
move_inbox()
local inbound = redis.call('LRANGE', KP, 0, -1)
if previous ~= me then
  redis.call('HSET', KS, 'o', me)
  redis.call('HINCRBY', KS, 'e', 1)
  redis.call('PUBLISH', CHANNEL .. previous, 'h|' .. SID .. '|' .. me)
end
if f[4] and f[5] ~= '*' then
  redis.call('PUBLISH', CHANNEL .. f[4], 'w|' .. SID .. '|' .. f[5])
end
return {record(), entries, previous, inbound, f[6] and 1 or 0}
`,
} as const satisfies ScriptDef;

/** KEYS: s. ARGV: me. Clears the probe if this worker holds it; returns 1 if it did. */
export const abortUpgrade = {
  name: 'nsAbortUpgrade',
  keys: 1,
  prelude: false,
  lua: `
if redis.call('HGET', KEYS[1], 'u') == ARGV[1] then
  redis.call('HDEL', KEYS[1], 'u')
  return 1
end
return 0
`,
} as const satisfies ScriptDef;

export function decodeBeginUpgradeReply(sid: string, raw: unknown): BeginUpgradeResult {
  if (raw === 0) return { kind: 'unknown' };
  if (raw === 1) return { kind: 'busy' };
  const r = new ReplyReader(beginUpgrade.name, raw);
  switch (r.tag) {
    case 't':
      return { kind: 'transport', transport: r.str(1, 'transport') };
    case 'o':
      return { kind: 'ok', record: r.record(1, sid) };
    default:
      throw r.malformed(`unknown tag ${r.tag}`);
  }
}

export interface CompleteUpgradeReply {
  record: SessionRecord;
  /** The queue, handed to the new transport. */
  entries: string[];
  previousOwner: string;
  /** Inbound entries not yet acknowledged, now the new owner's. */
  inbox: string[];
  /** The session was still settling: the upgrade announces it. */
  fresh: boolean;
}

/** Null when the upgrade was not this worker's to complete (gone, closed, or not begun by it). */
export function decodeCompleteUpgradeReply(sid: string, raw: unknown): CompleteUpgradeReply | null {
  if (raw === 0) return null;
  const r = new ReplyReader(completeUpgrade.name, raw);
  return {
    record: r.record(0, sid),
    entries: r.strs(1, 'entries'),
    previousOwner: r.str(2, 'previousOwner'),
    inbox: r.strs(3, 'inbox'),
    fresh: r.flag(4, 'fresh'),
  };
}
