/**
 * Script replies are read through named-field decoders that validate what
 * they read: a reply of the wrong shape (a mismatched script version, a
 * corrupted session hash) is a clear error, never a silent cast.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { sessionInit, sid } from '@nonstick/server/testing';
import { MalformedReplyError, RECORD_FIELDS, toRecord } from '../src/decode.js';
import { RedisStore } from '../src/index.js';
import {
  decodeBeginUpgradeReply,
  decodeClaimReply,
  decodeCloseReply,
  decodeCompleteUpgradeReply,
  decodeDestroyReply,
  decodeDrainInboxReply,
  decodeGetStateReply,
  decodeHeartbeatReply,
  decodeIngestReply,
  decodePollReply,
  decodePushReply,
  decodeSettleReply,
  decodeUnpollReply,
} from '../src/scripts/index.js';
import { startRedisServer } from './helpers/redis-server.js';

/** A `record()` reply as the Lua prelude returns it (HMGET of RECORD_FIELDS). */
function recordReply(over: Partial<Record<(typeof RECORD_FIELDS)[number], string | null>> = {}): Array<string | null> {
  const base: Record<string, string | null> = {
    t: 'polling',
    o: 'w1',
    e: '2',
    c: null,
    u: null,
    g: 'eio4',
    pi: '25000',
    pt: '20000',
    hm: 'server',
    hs: '{}',
    f: '',
    cr: '1700000000000',
    mk: '',
    ...over,
  };
  return RECORD_FIELDS.map((f) => base[f] ?? null);
}

describe('script replies: named-field decoders', () => {
  it('reads each reply shape into named fields', () => {
    assert.deepEqual(decodePollReply(1), { kind: 'wait' });
    assert.deepEqual(decodePollReply(['d', 'eio3', 'b64', ['4a', '4b']]), { kind: 'data', generation: 'eio3', flags: 'b64', entries: ['4a', '4b'] });
    assert.deepEqual(decodePollReply(['b', 'w2', '17']), { kind: 'busy', holder: { worker: 'w2', pollId: '17' } });
    assert.deepEqual(decodePushReply('w3'), { kind: 'overflow', owner: 'w3' });
    assert.equal(decodeUnpollReply(1), true);
    assert.deepEqual(decodeIngestReply(['l', ['x'], 0, 0]), { kind: 'local', backlog: ['x'], rescheduleAt: 0, closed: false });
    assert.deepEqual(decodeIngestReply(['r', 'w2', 1234, 1, 1]), { kind: 'relayed', owner: 'w2', rescheduleAt: 1234, closed: true, settling: true });
    assert.equal(decodeDrainInboxReply(null), null);
    assert.deepEqual(decodeDrainInboxReply([]), []);
    assert.equal(decodeBeginUpgradeReply('s1', ['o', recordReply()]).kind, 'ok');
    const up = decodeCompleteUpgradeReply('s1', [recordReply({ t: 'websocket' }), ['q'], 'w0', ['i'], 1]);
    assert.deepEqual({ ...up, record: up?.record.transport }, { record: 'websocket', entries: ['q'], previousOwner: 'w0', inbox: ['i'], fresh: true });
    assert.deepEqual(decodeSettleReply('s1', ['w', 99]), { kind: 'wait', at: 99 });
    assert.deepEqual(decodeHeartbeatReply(['t', 'w1']), { kind: 'timedOut', owner: 'w1' });
    const reaped = decodeClaimReply('s1', ['r', recordReply(), ['k', 'v']]);
    assert.deepEqual(reaped.kind === 'reaped' && reaped.state, { k: 'v' });
    assert.equal(decodeCloseReply(0), null);
    assert.equal(decodeDestroyReply(null), null);
    assert.deepEqual(decodeGetStateReply(['__proto__', 'x']), JSON.parse('{"__proto__":"x"}'));
  });

  it('throws a MalformedReplyError naming the script and the field, instead of casting', () => {
    const cases: Array<[() => unknown, RegExp]> = [
      [() => decodePollReply(['d', 'eio9', '', []]), /nsPoll.*generation/],
      [() => decodePollReply(['d', 'eio4', '', 'not a list']), /nsPoll.*entries is not a list/],
      [() => decodePollReply(['?']), /nsPoll.*unknown tag/],
      [() => decodePollReply('1'), /nsPoll.*expected an array/],
      [() => decodePushReply(2), /nsPush/],
      [() => decodeUnpollReply('1'), /nsUnpoll/],
      [() => decodeIngestReply(['r', 'w2', '5', 0, 0]), /nsIngest.*rescheduleAt is not a number/],
      [() => decodeIngestReply(['r', 'w2', 5, 0, 2]), /nsIngest.*settling is not 0 or 1/],
      [() => decodeDrainInboxReply(0), /nsDrainInbox/],
      [() => decodeSettleReply('s1', ['s', recordReply().slice(1), []]), /nsSettle.*expected 13 fields/],
      [() => decodeClaimReply('s1', ['c', recordReply({ o: null }), [], 0]), /nsClaim.*no record/],
      [() => decodeClaimReply('s1', ['r', recordReply(), ['odd']]), /nsClaim state.*odd/],
      [() => decodeHeartbeatReply(['s']), /nsHeartbeat.*due is not a number/],
      [() => decodeCloseReply(null), /nsClose/],
      [() => decodeDestroyReply(1), /nsDestroy/],
      [() => toRecord('s1', recordReply({ hm: 'sometimes' })), /heartbeat mode/],
    ];
    for (const [fn, message] of cases) assert.throws(fn, (err: unknown) => err instanceof MalformedReplyError && message.test(err.message), String(message));
  });
});

describe('script replies from a real Redis', () => {
  it('a corrupted session hash is reported, not returned as a record', async () => {
    const server = await startRedisServer();
    const store = new RedisStore({ url: server.url, prefix: 'replies' });
    after(async () => {
      await store.stop();
      await server.stop();
    });
    await store.start('w1', () => {});
    const id = sid();
    await store.create(sessionInit(id, 'w1'));
    assert.equal((await store.get(id))?.generation, 'eio4');
    await store.client.hset(store.keys.session(id), 'g', 'eio9');
    await assert.rejects(store.get(id), (err: unknown) => err instanceof MalformedReplyError && /generation/.test(err.message));
    await assert.rejects(store.beginUpgrade(id), (err: unknown) => err instanceof MalformedReplyError && /nsBeginUpgrade/.test(err.message));
  });
});
