/**
 * socket.io's `parser` option with real parsers: workers and socket.io-client
 * 4.x both use socket.io-msgpack-parser (every packet one binary frame), or
 * socket.io-parser passed as a custom parser (text plus attachment frames,
 * BINARY_* packets), over polling, websocket and the upgrade, binary
 * included, on one worker and across the 3-worker cluster (broadcasts and
 * broadcast acks cross workers on the bus).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import msgpackParser from 'socket.io-msgpack-parser';
import * as sioParser from 'socket.io-parser';
import { connectSio, SioClient, type SioMode } from '../clients/sio.js';
import { SIO_WORKER } from '../fixtures/cluster.js';
import { startTarget, TARGETS, type Target } from '../engine/targets.js';

const asBuffer = (v: unknown): Buffer => (Buffer.isBuffer(v) ? v : Buffer.from(v as ArrayBuffer));
const modes: SioMode[] = ['polling', 'websocket', 'upgrade'];

const PARSERS = [
  { name: 'msgpack', module: msgpackParser as unknown, binaryOnly: true },
  { name: 'socket.io-parser', module: sioParser as unknown, binaryOnly: false },
];

for (const kind of TARGETS)
  for (const { name, module, binaryOnly } of PARSERS) {
    describe(`parser option (${name}): ${kind}`, () => {
      let target: Target;
      const clients: SioClient[] = [];
      const connect = async (mode: SioMode): Promise<SioClient> => {
        const c = await connectSio('v4', target.url, mode, { extra: { parser: module } });
        clients.push(c);
        return c;
      };
      before(async () => {
        target = await startTarget(kind, [], { script: SIO_WORKER, env: { NONSTICK_TEST_PARSER: name } });
      });
      after(async () => {
        for (const c of clients) c.close();
        await target?.stop();
      });

      for (const mode of modes) {
        it(`${mode}: events, acks both ways, binary, order`, async () => {
          const c = await connect(mode);
          // What the server writes is the parser's: msgpack makes every Engine.IO message bytes.
          const messages: unknown[] = [];
          c.raw.io.engine.on('packet', (p: { type: string; data: unknown }) => p.type === 'message' && messages.push(p.data));
          if (mode === 'upgrade') {
            const deadline = Date.now() + 5000;
            while (c.transportName !== 'websocket' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
            assert.equal(c.transportName, 'websocket');
          }
          assert.deepEqual(await c.ack('echo', 'ünï ✓ 😀', { b: 1, n: null }, [2, [3]]), ['ünï ✓ 😀', { b: 1, n: null }, [2, [3]]]);

          const bin = Buffer.from([0, 1, 2, 255, 254]);
          const [isBuf, back, nested] = await c.ack('binary', bin);
          assert.equal(isBuf, true, 'handlers get binary as Buffer');
          assert.deepEqual(asBuffer(back), bin);
          assert.deepEqual(asBuffer((nested as { nested: unknown[] }).nested[0]), Buffer.from([1, 2, 3]));

          c.answer('question', (q) => `${String(q)}!`);
          assert.deepEqual(await c.ack('ask', 'why'), ['why!']);

          c.emit('burst', 100);
          const seq = await c.nextN('seq', 100, 15_000);
          assert.deepEqual(
            seq.map((a) => a[0]),
            Array.from({ length: 100 }, (_, i) => i),
          );

          assert.ok(messages.length > 100);
          const text = messages.filter((m) => typeof m === 'string');
          if (binaryOnly) assert.deepEqual(text, [], 'no text message reaches a msgpack client');
          else assert.ok(text.length > 100 && text.length < messages.length, 'socket.io-parser: text packets, binary attachments');
        });
      }

      it('room broadcasts with binary and broadcast acks reach members on every worker, once each', async () => {
        const room = `${name}-${kind}`;
        const members: SioClient[] = [];
        for (let i = 0; i < 6; i++) members.push(await connect(modes[i % 3]!));
        for (const m of members) await m.ack('join', room);
        const owners = new Set<string>();
        for (const m of members) owners.add(String((await m.ack('whoami'))[0]));
        if (kind === 'cluster') assert.ok(owners.size >= 2, `members spread over workers (${[...owners].join(', ')})`);

        // One emitter's broadcasts keep their order everywhere. Across emitters on different workers a
        // client's ack does not wait for the bus write (nor does socket.io's with its Redis adapters),
        // so only arrival, once each, is checked there.
        const n = 20;
        for (let i = 0; i < n; i++) await members[0]!.ack('to', room, 'news', i, Buffer.from([i, 255 - i]));
        for (const [k, m] of members.entries()) {
          const got = await m.nextN('news', n, 15_000);
          assert.deepEqual(
            got.map((a) => a[0]),
            Array.from({ length: n }, (_, i) => i),
            `member ${k} (${modes[k % 3]!}, now ${m.transportName})`,
          );
          for (const [i, buf] of got) assert.deepEqual(asBuffer(buf), Buffer.from([i as number, 255 - (i as number)]));
        }
        for (const [k, m] of members.entries()) await m.ack('to', room, 'each', k, Buffer.from([k]));
        for (const m of members) {
          const got = await m.nextN('each', members.length, 15_000);
          assert.deepEqual(
            got.map((a) => a[0]).sort(),
            members.map((_, k) => k),
          );
          for (const [k, buf] of got) assert.deepEqual(asBuffer(buf), Buffer.from([k as number]));
        }
        await new Promise((r) => setTimeout(r, 200));
        for (const m of members) {
          assert.equal(m.received('news').length, n, 'no duplicates');
          assert.equal(m.received('each').length, members.length, 'no duplicates');
        }

        for (const [i, m] of members.entries()) m.answer('poll', () => `yes-${i}`);
        const [err, responses] = await members[0]!.ack('bcast-ack', room, 5000);
        assert.equal(err, null);
        assert.deepEqual(responses, members.map((_, i) => `yes-${i}`).sort());
      });

      if (binaryOnly)
        it('a socket.io-parser client is not understood: its text CONNECT closes the session', async () => {
          const c = new SioClient('v4', target.url, 'websocket');
          clients.push(c);
          const closed = new Promise<string>((resolve) => c.raw.io.engine.once('close', (reason: string) => resolve(reason)));
          const reason = await Promise.race([closed, new Promise<string>((r) => setTimeout(() => r('still open after 10 s'), 10_000))]);
          assert.notEqual(reason, 'still open after 10 s');
          assert.equal(c.received('$connect').length, 0);
        });
    });
  }
