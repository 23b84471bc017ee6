import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connect, type ClientMode, type ClientVersion } from '../clients/eio.js';
import { startTarget, TARGETS, type Target } from './targets.js';
import { quietFor, waitUntil } from '../support/wait.js';

const versions: ClientVersion[] = ['v4', 'v3'];
const modes: ClientMode[] = ['polling', 'websocket', 'upgrade'];

for (const kind of TARGETS) {
  describe(`engine.io-client 6.x and 3.x: ${kind}`, () => {
    let target: Target;
    before(async () => {
      // A short interval for many heartbeats per test; a timeout that a loaded 2-core machine's stalls stay under.
      target = await startTarget(kind, ['--allow-eio3', '--ping-interval', '400', '--ping-timeout', '1500']);
    });
    after(() => target?.stop());

    for (const version of versions) {
      for (const mode of modes) {
        it(`${version} ${mode}: hundreds of messages each way, in order, text and binary`, async () => {
          const client = await connect(version, target.url, mode);
          if (mode === 'upgrade') assert.equal(await client.upgraded, 'websocket');
          assert.equal(client.transportName(), mode === 'polling' ? 'polling' : 'websocket');
          const n = 300;
          for (let i = 0; i < n; i++) client.send(i % 10 === 0 ? Buffer.from([i & 255, 0, 255, 7]) : `c${i} ünï ✓ 😀`);
          const echoes = await client.nextMessages(n, 15_000);
          for (let i = 0; i < n; i++) {
            if (i % 10 === 0) assert.deepEqual(echoes[i], Buffer.from([i & 255, 0, 255, 7]), `binary echo ${i}`);
            else assert.equal(echoes[i], `c${i} ünï ✓ 😀`, `text echo ${i}`);
          }
          client.send(`burst:${n}`);
          assert.deepEqual(await client.nextMessages(n, 15_000), Array.from({ length: n }, (_, i) => `s${i}`));
          const sid = client.id;
          client.close();
          const closed = await Promise.any(target.workers.map((w) => w.waitFor('close', (e) => e['sid'] === sid, { timeoutMs: 5000 })));
          assert.equal(closed['reason'], 'transport close');
          await quietFor(50);
          const closes = target.workers.flatMap((w) => w.events('close').filter((e) => e['sid'] === sid));
          assert.equal(closes.length, 1, 'exactly one worker owns and closes the session');
        });
      }

      it(`${version}: the server closes the session`, async () => {
        const client = await connect(version, target.url, 'polling');
        client.send('close');
        assert.match(await client.closed, /close/);
      });

      it(`${version}: heartbeats keep an idle session alive across several ping intervals`, async () => {
        const client = await connect(version, target.url, 'polling');
        let closed = false;
        void client.closed.then(() => (closed = true));
        // A completed heartbeat: 6.x answers the server's ping, 3.x gets the pong to its own.
        let beats = 0;
        (client.raw as unknown as import('node:events').EventEmitter).on(version === 'v4' ? 'ping' : 'pong', () => beats++);
        await waitUntil(() => beats >= 4 || closed, 'four heartbeats');
        assert.equal(closed, false);
        client.send('still here');
        assert.deepEqual(await client.nextMessages(1), ['still here']);
        client.close();
      });
    }
  });
}
