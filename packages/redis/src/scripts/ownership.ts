import type { ClaimResult } from '@nonstick/server';
import { ReplyReader } from '../decode.js';
import type { ScriptDef } from './types.js';

/**
 * Takes over a session of a dead worker. KEYS: s q i p x. ARGV: me, from.
 * Returns 0 lost (gone, closed, or not owned by `from`)
 *   | {'r', record, {state as HGETALL}} reaped: a persistent transport died
 *     with its worker, so the session is closed ('transport close') and
 *     deleted at once, state included (returned for the layers above)
 *   | {'c', record, {pending inbound entries}, fresh} claimed: this worker
 *     owns it now and gets everything inbound the dead owner had not
 *     acknowledged (its inbox joins the pending list); the dead worker's
 *     probe and poll registration are dropped. fresh is 1 when the session
 *     was still settling (never announced): the settling ends with the claim.
 */
export const claim = {
  name: 'nsClaim',
  keys: 5,
  prelude: true,
  lua: `
local me, from = ARGV[1], ARGV[2]
local f = redis.call('HMGET', KS, 'o', 'c', 'p', 'u', 'ww', 'sg')
if f[1] ~= from or f[2] then return 0 end
if f[3] == '1' then
  close_session(me, 'transport close', false, nil)
  local rec = record()
  local state = redis.call('HGETALL', KT)
  redis.call('DEL', KS, KQ, KI, KP, KT)
  return {'r', rec, state}
end
redis.call('HSET', KS, 'o', me)
redis.call('HINCRBY', KS, 'e', 1)
if f[4] == from then redis.call('HDEL', KS, 'u') end
if f[5] == from then redis.call('HDEL', KS, 'ww', 'wp', 'wk') end
if f[6] then redis.call('HDEL', KS, 'sg') end
move_inbox()
return {'c', record(), redis.call('LRANGE', KP, 0, -1), f[6] and 1 or 0}
`,
} as const satisfies ScriptDef;

export function decodeClaimReply(sid: string, raw: unknown): ClaimResult {
  if (raw === 0) return { kind: 'lost' };
  const r = new ReplyReader(claim.name, raw);
  switch (r.tag) {
    case 'r':
      return { kind: 'reaped', record: r.record(1, sid), state: r.hash(2, 'state') };
    case 'c':
      return { kind: 'claimed', record: r.record(1, sid), inbox: r.strs(2, 'inbox'), fresh: r.flag(3, 'fresh') };
    default:
      throw r.malformed(`unknown tag ${r.tag}`);
  }
}
