import type { SettleResult } from '@nonstick/server';
import { ReplyReader } from '../decode.js';
import type { ScriptDef } from './types.js';

/**
 * Ends the settling of a session this worker owns, branch by branch as
 * MemoryStore#settle. KEYS: s q i p. ARGV: me, now, minWindow, maxWindow.
 * Returns 0 done (gone, closed, not mine, or not settling) | 1 upgrading
 *   | {'w', at} too early: ask again at `at`
 *   | {'s', record, {pending inbound entries}} settled: announce it now; the
 *     inbox joined the pending list.
 * Atomic: the settling flag is tested and cleared with the inbox move, so a settle and a completeUpgrade or claim never both announce it.
 */
export const settle = {
  name: 'nsSettle',
  keys: 4,
  prelude: true,
  lua: `
local f = redis.call('HMGET', KS, 'o', 'c', 'sg', 'u', 'cr', 'fs')
if not f[1] or f[2] or f[1] ~= ARGV[1] or not f[3] then return 0 end
if f[4] then return 1 end
local now, min_window, max_window = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local created = tonumber(f[5])
if now - created < max_window then
  if not f[6] then return {'w', math.min(created + max_window, now + min_window)} end
  local seen = tonumber(f[6])
  local at = seen + math.max(2 * (seen - created), min_window)
  if now < at then return {'w', math.min(at, created + max_window)} end
end
redis.call('HDEL', KS, 'sg')
move_inbox()
return {'s', record(), redis.call('LRANGE', KP, 0, -1)}
`,
} as const satisfies ScriptDef;

export function decodeSettleReply(sid: string, raw: unknown): SettleResult {
  if (raw === 0) return { kind: 'done' };
  if (raw === 1) return { kind: 'upgrading' };
  const r = new ReplyReader(settle.name, raw);
  switch (r.tag) {
    case 'w':
      return { kind: 'wait', at: r.num(1, 'at') };
    case 's':
      return { kind: 'settled', record: r.record(1, sid), inbox: r.strs(2, 'inbox') };
    default:
      throw r.malformed(`unknown tag ${r.tag}`);
  }
}
