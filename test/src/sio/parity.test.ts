/**
 * socket.io 4.8 API shapes that applications can tell apart, checked with
 * socket.io-client 4.x on one worker and on the 3-worker cluster behind
 * nginx: the adapter's room index, allSockets() and the handshake's
 * address/secure with and without `--trust-proxy`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connectSio, type SioClient, type SioMode } from '../clients/sio.js';
import { SIO_WORKER } from '../fixtures/cluster.js';
import { startTarget, TARGETS, type Target } from '../engine/targets.js';

interface AdapterIndex {
  inRoom: boolean;
  inOwnRoom: boolean;
  members: string[];
  mine: string[];
}

for (const kind of TARGETS) {
  describe(`socket.io 4.8 adapter and allSockets: ${kind}`, () => {
    let target: Target;
    const clients: SioClient[] = [];
    const connect = async (mode: SioMode, nsp?: string): Promise<SioClient> => {
      const c = await connectSio('v4', target.url, mode, nsp ? { nsp } : {});
      clients.push(c);
      return c;
    };
    before(async () => {
      target = await startTarget(kind, [], { script: SIO_WORKER });
    });
    after(async () => {
      for (const c of clients) c.close();
      await target?.stop();
    });

    it('adapter.rooms maps rooms to socket ids and adapter.sids socket ids to rooms', async () => {
      const room = `index-${kind}`;
      const c = await connect('websocket');
      await c.ack('join', room);
      const [joined] = (await c.ack('adapter-index', room)) as [AdapterIndex];
      assert.equal(joined.inRoom, true, 'rooms.get(room).has(socket.id)');
      assert.equal(joined.inOwnRoom, true, 'each socket is in the room named by its id');
      assert.ok(joined.members.includes(c.id), `members are ids: ${JSON.stringify(joined.members)}`);
      assert.deepEqual(joined.mine, [c.id, room].sort());
      await c.ack('leave', room);
      const [left] = (await c.ack('adapter-index', room)) as [AdapterIndex];
      assert.equal(left.inRoom, false);
      assert.deepEqual(left.mine, [c.id]);
    });

    it('allSockets() answers a Set of socket ids from every worker, per namespace and per room', async () => {
      const room = `all-${kind}`;
      const members: SioClient[] = [];
      for (let i = 0; i < 4; i++) members.push(await connect(i % 2 ? 'polling' : 'websocket'));
      for (const m of members) await m.ack('join', room);
      const owners = new Set<string>();
      for (const m of members) owners.add(String((await m.ack('whoami'))[0]));
      if (kind === 'cluster') assert.ok(owners.size >= 2, `members spread over workers (${[...owners].join(', ')})`);
      const ids = members.map((m) => m.id).sort();
      const outsider = await connect('polling');
      const chat = [await connect('websocket', '/chat'), await connect('polling', '/chat')];

      for (const m of members) assert.deepEqual(await m.ack('all-sockets', { room }), [ids]);
      const [everyone] = (await members[0]!.ack('all-sockets', {})) as [string[]];
      for (const id of [...ids, outsider.id]) assert.ok(everyone.includes(id), `io.allSockets() has ${id}`);
      for (const c of chat) assert.ok(!everyone.includes(c.id), 'another namespace is not listed');
      assert.deepEqual(await outsider.ack('all-sockets', { nsp: '/chat' }), [chat.map((c) => c.id).sort()]);
      // socket.io 4.8's BroadcastOperator.allSockets() passes only the rooms to its adapter: except() does not narrow it.
      const [excepted] = (await outsider.ack('all-sockets', { except: room })) as [string[]];
      for (const id of [...ids, outsider.id]) assert.ok(excepted.includes(id), `io.except(room).allSockets() has ${id}`);

      members[3]!.close();
      const gone = members[3]!.id;
      for (const until = Date.now() + 5000; ;) {
        const [now] = (await members[0]!.ack('all-sockets', { room })) as [string[]];
        if (!now.includes(gone)) {
          assert.deepEqual(
            now,
            ids.filter((id) => id !== gone),
          );
          break;
        }
        assert.ok(Date.now() < until, 'a disconnected socket leaves allSockets()');
        await new Promise((r) => setTimeout(r, 50));
      }
    });
  });
}

const FORWARDED = { 'x-forwarded-for': '203.0.113.7, 10.0.0.1', 'x-forwarded-proto': 'https' };

const setups: Array<{ kind: (typeof TARGETS)[number]; trust: boolean }> = [
  { kind: 'single', trust: false },
  { kind: 'single', trust: true },
  { kind: 'cluster', trust: true },
];

for (const { kind, trust } of setups) {
  describe(`socket.handshake address and secure: ${kind}, trust-proxy ${trust ? 'on' : 'off'}`, () => {
    let target: Target;
    const clients: SioClient[] = [];
    before(async () => {
      target = await startTarget(kind, trust ? ['--trust-proxy'] : [], { script: SIO_WORKER });
    });
    after(async () => {
      for (const c of clients) c.close();
      await target?.stop();
    });

    for (const mode of ['polling', 'websocket'] as const) {
      it(`${mode}: X-Forwarded-For/-Proto sent by the client`, async () => {
        const c = await connectSio('v4', target.url, mode, { extra: { extraHeaders: FORWARDED } });
        clients.push(c);
        const [hs] = (await c.ack('handshake')) as [{ address: string; secure: boolean }];
        if (!trust) {
          // Without trust a client cannot choose what the server believes.
          assert.match(hs.address, /^(::ffff:)?127\.0\.0\.1$/);
          assert.equal(hs.secure, false);
        } else if (kind === 'single') {
          assert.equal(hs.address, '203.0.113.7');
          assert.equal(hs.secure, true);
        } else {
          // nginx appends the peer to X-Forwarded-For and replaces X-Forwarded-Proto with its own scheme.
          assert.equal(hs.address, '203.0.113.7');
          assert.equal(hs.secure, false);
        }
      });
    }

    if (trust) {
      it('without forwarding headers the address is the peer', async () => {
        const c = await connectSio('v4', target.url, 'polling');
        clients.push(c);
        const [hs] = (await c.ack('handshake')) as [{ address: string; secure: boolean }];
        assert.match(hs.address, /^(::ffff:)?127\.0\.0\.1$/);
        assert.equal(hs.secure, false);
      });
    }
  });
}
