import type { Cluster, Redis } from 'ioredis';
import { claimDue, heartbeat } from './heartbeat.js';
import { drainInbox, ingest } from './inbound.js';
import { PRELUDE } from './lib.js';
import { claim } from './ownership.js';
import { poll, push, unpoll } from './queue.js';
import { close, create, destroy, getState, setState } from './session.js';
import { settle } from './settle.js';
import type { ScriptDef } from './types.js';
import { abortUpgrade, beginUpgrade, completeUpgrade } from './upgrade.js';

export type { ScriptDef } from './types.js';
export { decodeClaimDueReply, decodeHeartbeatReply, type HeartbeatReply } from './heartbeat.js';
export { decodeDrainInboxReply, decodeIngestReply } from './inbound.js';
export { decodeClaimReply } from './ownership.js';
export { decodePollReply, decodePushReply, decodeUnpollReply } from './queue.js';
export { decodeCloseReply, decodeDestroyReply, decodeGetStateReply } from './session.js';
export { decodeSettleReply } from './settle.js';
export { decodeBeginUpgradeReply, decodeCompleteUpgradeReply } from './upgrade.js';

export const SCRIPTS = [
  create,
  destroy,
  close,
  setState,
  getState,
  push,
  poll,
  unpoll,
  ingest,
  drainInbox,
  beginUpgrade,
  completeUpgrade,
  abortUpgrade,
  settle,
  claimDue,
  heartbeat,
  claim,
] as const satisfies readonly ScriptDef[];

export type ScriptName = (typeof SCRIPTS)[number]['name'];

/** Arguments as ioredis takes them: arrays are flattened one level, so entry lists go in as they are. */
export type ScriptArg = string | number | readonly string[];
export type ScriptCall = (...args: ScriptArg[]) => Promise<unknown>;
export type Scripts = { readonly [K in ScriptName]: ScriptCall };

/** The Lua text of a script for one key prefix (baked in: it is the same for every call). */
export function scriptSource(def: ScriptDef, prefix: string): string {
  return def.prelude ? PRELUDE.replace('%PREFIX%', () => prefix) + def.lua : def.lua;
}

/**
 * Defines every script on the client (ioredis sends EVALSHA and falls back
 * to EVAL when the server does not know the script, e.g. after a restart or
 * SCRIPT FLUSH) and returns the client seen as the script methods.
 */
export function defineScripts(client: Redis | Cluster, prefix: string): Scripts {
  for (const def of SCRIPTS) {
    client.defineCommand(def.name, { numberOfKeys: def.keys, lua: scriptSource(def, prefix) });
  }
  return client as unknown as Scripts;
}
