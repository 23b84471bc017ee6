import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeRpcMessage, decodeRpcReply, encodeRpc, type RpcMessage, type RpcReply } from '../src/cluster/messages.js';
import { WorkerRpc } from '../src/engine/WorkerRpc.js';
import { MemoryCluster, MemoryStore } from '../src/store/MemoryStore.js';
import type { WorkerMessage } from '../src/store/Store.js';
import { decodeBroadcast, decodeServerSide, encodeBroadcast, encodeServerSide, type BroadcastEntry } from '../src/sio/wire.js';

describe('worker messages: one codec', () => {
  const messages: RpcMessage[] = [
    { t: 'poll', sid: 'abc', pollId: '7' },
    { t: 'ping' },
    { t: 'holds', sid: 'a b|c' },
    { t: 'fetch', nsp: '/chat', rooms: ['r 1', 'r|2'], except: [] },
    { t: 'ack-count', req: '12', n: 3 },
    { t: 'ack-response', req: '12', value: { deep: [1, 'two', null] } },
  ];
  for (const m of messages) {
    it(`round-trips ${m.t}`, () => assert.deepEqual(decodeRpcMessage(encodeRpc(m)), m));
  }

  const replies: RpcReply[] = [
    { t: 'poll', waiting: true },
    { t: 'ping' },
    { t: 'holds', holds: false },
    { t: 'fetch', sockets: [{ id: 's1', handshake: { headers: {} } as never, rooms: ['s1', 'room'], data: { n: 1 } }] },
    { t: 'error' },
  ];
  for (const r of replies) {
    it(`round-trips the ${r.t} reply`, () => assert.deepEqual(decodeRpcReply(encodeRpc(r)), r));
  }

  it('rejects malformed messages instead of casting them', () => {
    for (const s of [
      '',
      'p abc 7',
      'sio:h abc',
      'null',
      '[]',
      '{"t":"nope"}',
      '{"t":"poll","sid":"abc"}',
      '{"t":"holds","sid":1}',
      '{"t":"fetch","nsp":"/","rooms":[1],"except":[]}',
      '{"t":"ack-count","req":"1","n":-1}',
      '{"t":"ack-count","req":"1","n":"3"}',
    ]) {
      assert.equal(decodeRpcMessage(s), null, s);
    }
    for (const s of ['1', '', '{"t":"poll","waiting":"yes"}', '{"t":"fetch","sockets":[{"id":"x"}]}', '{"t":"holds"}']) {
      assert.equal(decodeRpcReply(s), null, s);
    }
  });

  it('reads a missing ack value as null, as a JSON round trip of undefined does', () => {
    assert.deepEqual(decodeRpcMessage('{"t":"ack-response","req":"4"}'), { t: 'ack-response', req: '4', value: null });
  });
});

describe('WorkerRpc: handlers by message type', () => {
  async function pair(): Promise<{ a: WorkerRpc; b: WorkerRpc; bStore: MemoryStore; stop: () => Promise<void> }> {
    const cluster = new MemoryCluster();
    const stores = [new MemoryStore({ cluster }), new MemoryStore({ cluster })] as const;
    const rpcs = [new WorkerRpc(stores[0], 'wa', 200), new WorkerRpc(stores[1], 'wb', 200)] as const;
    await Promise.all(
      stores.map((s, i) =>
        s.start(i === 0 ? 'wa' : 'wb', (m: WorkerMessage) => {
          if (m.t === 'req' || m.t === 'res') rpcs[i]!.onMessage(m);
        }),
      ),
    );
    return {
      a: rpcs[0],
      b: rpcs[1],
      bStore: stores[1],
      stop: async () => {
        for (const r of rpcs) r.close();
        await Promise.all(stores.map((s) => s.stop()));
      },
    };
  }

  it('answers a request with the handler registered for its type', async () => {
    const { a, b, stop } = await pair();
    b.on('holds', (m) => ({ t: 'holds', holds: m.sid === 'mine' }));
    b.on('fetch', async (m) => ({ t: 'fetch', sockets: [{ id: m.nsp, handshake: {} as never, rooms: m.rooms, data: null }] }));
    assert.deepEqual(await a.call('wb', { t: 'holds', sid: 'mine' }), { t: 'holds', holds: true });
    assert.deepEqual(await a.call('wb', { t: 'holds', sid: 'other' }), { t: 'holds', holds: false });
    assert.deepEqual(await a.call('wb', { t: 'fetch', nsp: '/x', rooms: ['r'], except: [] }), {
      t: 'fetch',
      sockets: [{ id: '/x', handshake: {}, rooms: ['r'], data: null }],
    });
    await stop();
  });

  it('tells an alive worker that cannot answer (no handler, or the handler threw) from a dead one', async () => {
    const { a, b, stop } = await pair();
    b.on('holds', () => {
      throw new Error('boom');
    });
    assert.deepEqual(await a.call('wb', { t: 'poll', sid: 's', pollId: '1' }), { t: 'error' });
    assert.deepEqual(await a.call('wb', { t: 'holds', sid: 's' }), { t: 'error' });
    assert.equal(await a.ping('wb'), true);
    assert.equal(await a.ping('nobody'), false);
    assert.equal(await a.call('nobody', { t: 'holds', sid: 's' }, 50), null);
    await stop();
  });

  it('delivers one-way notices to their handler without answering', async () => {
    const { a, b, stop } = await pair();
    const got: RpcMessage[] = [];
    let answered = 0;
    b.on('ack-count', (m) => void got.push(m));
    b.on('ack-response', (m) => void got.push(m));
    const original = a.onMessage.bind(a);
    a.onMessage = (m) => {
      if (m.t === 'res') answered++;
      original(m);
    };
    await a.notify('wb', { t: 'ack-count', req: '1', n: 2 });
    await a.notify('wb', { t: 'ack-response', req: '1', value: ['ok'] });
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(got, [
      { t: 'ack-count', req: '1', n: 2 },
      { t: 'ack-response', req: '1', value: ['ok'] },
    ]);
    assert.equal(answered, 0);
    await stop();
  });

  it('answers a garbled request body with an error, not a crash', async () => {
    const { a, bStore, stop } = await pair();
    const replies: string[] = [];
    a.onMessage = (m) => void (m.t === 'res' && replies.push(m.body));
    await bStore.send('wb', { t: 'req', id: 'x.1', from: 'wa', body: 'p sid 1' });
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(replies.map(decodeRpcReply), [{ t: 'error' }]);
    await stop();
  });
});

describe('bus entries: where acks go', () => {
  const entry: BroadcastEntry = { nsp: '/', rooms: ['a'], except: [], volatile: false, head: '2', body: '["ev"]', binary: [], reply: null };

  it('keeps the wire form `<worker> <id>` and reads it back as named fields', () => {
    const input = encodeBroadcast({ ...entry, reply: { worker: 'w 1', id: '42' } });
    assert.equal(input.fields[6], 'w 1 42');
    assert.deepEqual(decodeBroadcast({ id: '1-0', ...input })?.reply, { worker: 'w 1', id: '42' });
    assert.equal(decodeBroadcast({ id: '1-0', ...encodeBroadcast(entry) })?.reply, null);
    const s = encodeServerSide({ nsp: '/', args: ['ev'], reply: { worker: 'w2', id: '7' }, from: 'w2' });
    assert.deepEqual(decodeServerSide({ id: '1-0', ...s })?.reply, { worker: 'w2', id: '7' });
  });

  it('drops an entry whose ack target is malformed', () => {
    const input = encodeBroadcast(entry);
    for (const bad of ['w1', 'w1 ', ' 42']) {
      const fields = [...input.fields];
      fields[6] = bad;
      assert.equal(decodeBroadcast({ id: '1-0', ...input, fields }), null, bad);
    }
  });
});
