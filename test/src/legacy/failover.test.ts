/**
 * A protocol 1 (socket.io 0.9) xhr-polling session through three workers on
 * Redis behind round-robin nginx, while the worker that owns it is killed
 * with SIGKILL: another worker takes the session over (same sid, same
 * socket, rooms rebuilt from Redis) and no ack is lost or repeated.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LEGACY_WORKER, startCluster, type Cluster, type WorkerProcess } from '../fixtures/cluster.js';
import { decodePayload, handshake, Polling, sleep } from './legacy-wire.js';

describe('protocol 1: the owner of an xhr-polling session is killed (3 workers on Redis behind nginx)', () => {
  let c: Cluster;
  before(async () => {
    c = await startCluster(3, ['--worker-ttl', '1000', '--legacy-polling-duration', '1000'], { script: LEGACY_WORKER });
  });
  after(async () => {
    await c?.stop();
  });

  it('keeps the session and answers every ack once, in order', async () => {
    const hs = await handshake(c.url);
    const poll = new Polling(c.url, hs.sid);
    // A long-poll loop collects everything the server sends, whichever worker answers.
    const packets: string[] = [];
    let polling = true;
    const loop = (async () => {
      while (polling) {
        const r = await poll.get({ timeoutMs: 15_000 }).catch(() => null);
        if (r === null) continue;
        assert.equal(r.status, 200, `poll: ${r.statusLine} ${r.text}`);
        for (const p of decodePayload(r.text)) if (p !== '8::') packets.push(p);
      }
    })();
    const waitFor = async (pred: (p: string) => boolean, what: string): Promise<string> => {
      for (let i = 0; i < 300; i++) {
        const hit = packets.find(pred);
        if (hit !== undefined) return hit;
        await sleep(50);
      }
      assert.fail(`no ${what} in ${JSON.stringify(packets)}`);
    };
    await waitFor((p) => p.startsWith('5:::{"name":"welcome"'), 'welcome');
    assert.equal(packets[0], '1::');
    assert.equal((await poll.post('5:1+::{"name":"join","args":["legacy-room"]}')).text, '1');
    await waitFor((p) => p.startsWith('6:::1+'), 'join ack');
    assert.equal((await poll.post('5:2+::{"name":"whoami"}')).text, '1');
    const who = JSON.parse((await waitFor((p) => p.startsWith('6:::2+'), 'whoami ack')).slice('6:::2+'.length)) as [string, string];
    const owner = c.workers.find((w) => w.workerId === who[0]) as WorkerProcess;
    assert.ok(owner, 'the owner is one of the workers');
    const survivors = c.workers.filter((w) => w !== owner);
    const marks = survivors.map((w) => w.mark());

    const N = 40;
    for (let i = 0; i < N; i++) {
      const id = 3 + i;
      const r = await poll.post(`5:${id}+::${JSON.stringify({ name: 'echo', args: [i] })}`);
      assert.equal(r.status, 200, `POST ${i}: ${r.statusLine} ${r.text}`);
      if (i === 10) owner.child.killGroup('SIGKILL');
      await sleep(10);
    }
    await waitFor((p) => p.startsWith(`6:::${2 + N}+`), 'the last ack');
    const acks = packets.filter((p) => /^6:::\d+\+/.test(p) && Number(p.slice(4, p.indexOf('+'))) >= 3);
    assert.deepEqual(
      acks,
      Array.from({ length: N }, (_, i) => `6:::${3 + i}+[${i}]`),
      'every ack once, in order',
    );
    assert.ok(!packets.includes('7:::1+0'), 'the session was never unknown');
    assert.ok(!packets.includes('0::'), 'the session never ended');

    const rebuilt = await Promise.any(
      survivors.map((w, k) => w.waitFor('connection', (e) => e['sid'] === hs.sid && e['recovered'] === true, { since: marks[k]!, timeoutMs: 10_000 })),
    );
    assert.ok(
      survivors.some((w) => w.workerId === rebuilt['worker']),
      'a surviving worker took it over',
    );
    // The rebuilt socket is still in its room, for a broadcast from any worker.
    assert.equal((await poll.post('5:::{"name":"to","args":["legacy-room","news","after failover"]}')).text, '1');
    await waitFor((p) => p === '5:::{"name":"news","args":["after failover"]}', 'the room broadcast');
    polling = false;
    await loop;
  });
});
