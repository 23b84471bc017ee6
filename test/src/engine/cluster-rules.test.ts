import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { http, openData } from '@nonstick/server/testing';
import WebSocket from 'ws';
import { startCluster, type Cluster, type WorkerProcess } from '../fixtures/cluster.js';
import { redisRawCommand } from '../support/net.js';
import { waitUntil } from '../support/wait.js';

const q = (sid?: string) => `/engine.io/?EIO=4&transport=polling${sid ? `&sid=${sid}` : ''}`;

/**
 * Resolves once a poll of `sid` waits in the store (RedisStore keeps the
 * waiting worker in the session hash's `ww` field): the moment another
 * request can meet it, however slowly the worker got there.
 */
function pollWaiting(c: Cluster, sid: string): Promise<void> {
  return waitUntil(async () => (await redisRawCommand(c.redis.host, c.redis.port, ['HEXISTS', `ns:{${sid}}:s`, 'ww'])) === ':1', `a waiting poll of ${sid}`);
}

/** Splits an EIO4 polling answer into its packets. */
const packets = (text: string) => (text === '' ? [] : text.split('\x1e'));

async function handshake(w: WorkerProcess): Promise<string> {
  const r = await http(w.url + q());
  assert.equal(r.status, 200, r.text);
  return openData(r.text).sid;
}

/** Polls round-robin over `workers` until `n` message packets arrived; returns their data. */
async function collect(workers: WorkerProcess[], sid: string, n: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; out.length < n; i++) {
    if (i > 200) throw new Error(`only ${out.length}/${n} messages: ${JSON.stringify(out.slice(-3))}`);
    const r = await http(workers[i % workers.length]!.url + q(sid));
    assert.equal(r.status, 200, r.text);
    for (const p of packets(r.text)) if (p.startsWith('4')) out.push(p.slice(1));
  }
  return out;
}

function openWs(url: string): Promise<{ ws: WebSocket; frames: string[]; next(pred: (f: string) => boolean, timeoutMs?: number): Promise<string> }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const frames: string[] = [];
    let waiters: Array<() => void> = [];
    ws.on('message', (d) => {
      frames.push(d.toString());
      const w = waiters;
      waiters = [];
      w.forEach((f) => f());
    });
    ws.once('error', reject);
    ws.once('open', () =>
      resolve({
        ws,
        frames,
        next(pred, timeoutMs = 5000) {
          return new Promise((res, rej) => {
            const t = setTimeout(() => rej(new Error(`no matching frame; got ${JSON.stringify(frames.slice(-5))}`)), timeoutMs);
            const check = () => {
              const f = frames.find(pred);
              if (f !== undefined) {
                clearTimeout(t);
                res(f);
              } else waiters.push(check);
            };
            check();
          });
        },
      }),
    );
  });
}

describe('Engine.IO rules across workers (3 workers on Redis, requests sent to chosen workers)', () => {
  let c: Cluster;
  let w1: WorkerProcess, w2: WorkerProcess, w3: WorkerProcess;
  before(async () => {
    c = await startCluster(3);
    [w1, w2, w3] = c.workers as [WorkerProcess, WorkerProcess, WorkerProcess];
  });
  after(() => c?.stop());

  it('handshake on worker 1, POST on worker 2, GET on worker 3, upgrade on worker 2: one session, in order', async () => {
    if (!process.env['NONSTICK_HTTP_SERVER']) {
      // Mixed hosts (fixtures/cluster.ts): worker 2 runs node:http + ws, the others the default (uWS where it loads).
      assert.equal(w2.httpServer, 'node');
      assert.notEqual(w1.httpServer, undefined);
    }
    const sid = await handshake(w1);
    await w1.waitFor('connection', (e) => e['sid'] === sid);
    assert.equal((await http(w2.url + q(sid), { method: 'POST', body: '4a\x1e4b\x1e4c' })).text, 'ok');
    assert.deepEqual(await collect([w3], sid, 3), ['a', 'b', 'c']);
    assert.equal((await http(w3.url + q(sid), { method: 'POST', body: '4burst:100' })).text, 'ok');
    assert.deepEqual(
      await collect([w1, w2, w3], sid, 100),
      Array.from({ length: 100 }, (_, i) => `s${i}`),
    );

    // A poll waits on worker 3 while worker 2 runs the probe.
    const pending = http(w3.url + q(sid));
    await pollWaiting(c, sid);
    const { ws, next } = await openWs(`ws://127.0.0.1:${w2.port}/engine.io/?EIO=4&transport=websocket&sid=${sid}`);
    ws.send('2probe');
    await next((f) => f === '3probe');
    assert.ok(packets((await pending).text).includes('6'), 'the waiting poll on another worker is ended with a noop');
    const handover = w1.waitFor('handover', (e) => e['sid'] === sid);
    const resumed = w2.waitFor('connection', (e) => e['sid'] === sid);
    ws.send('5');
    assert.equal((await handover)['owner'], w2.workerId);
    assert.equal((await resumed)['resumed'], true);
    for (let i = 0; i < 100; i++) ws.send(`4m${i}`);
    await next((f) => f === '4m99');
    ws.send('4burst:100');
    await next((f) => f === '4s99');
    ws.send('4whoami');
    await next((f) => f === `4worker:${w2.workerId}`);
    for (const w of [w1, w2, w3]) {
      const get = await http(w.url + q(sid));
      assert.equal(get.status, 400, `GET on ${w.workerId}`);
      assert.equal(JSON.parse(get.text).code, 3);
      const post = await http(w.url + q(sid), { method: 'POST', body: '4x' });
      assert.equal(post.status, 400, `POST on ${w.workerId}`);
    }
    ws.close();
    assert.equal((await w2.waitFor('close', (e) => e['sid'] === sid))['reason'], 'transport close');
  });

  it('handshake on worker 2, polls on workers 1 and 3, upgrade on worker 3: hosts of either kind serve one session', async () => {
    const sid = await handshake(w2);
    await w2.waitFor('connection', (e) => e['sid'] === sid);
    assert.equal((await http(w1.url + q(sid), { method: 'POST', body: '4one\x1e4burst:20' })).text, 'ok');
    assert.deepEqual(await collect([w3, w1], sid, 21), ['one', ...Array.from({ length: 20 }, (_, i) => `s${i}`)]);
    const { ws, next } = await openWs(`ws://127.0.0.1:${w3.port}/engine.io/?EIO=4&transport=websocket&sid=${sid}`);
    ws.send('2probe');
    await next((f) => f === '3probe');
    const resumed = w3.waitFor('connection', (e) => e['sid'] === sid);
    ws.send('5');
    assert.equal((await resumed)['resumed'], true);
    ws.send('4whoami');
    await next((f) => f === `4worker:${w3.workerId}`);
    ws.send('4burst:30');
    await next((f) => f === '4s29');
    ws.close();
    assert.equal((await w3.waitFor('close', (e) => e['sid'] === sid))['reason'], 'transport close');
  });

  it('websocket frames arrive in order and exactly once after an upgrade across workers', async () => {
    const sid = await handshake(w3);
    // Announced first: a session still settling when the probe arrives stays unannounced until the
    // upgrade, and the burst asked for below would wait in its inbox instead of its polling queue.
    await w3.waitFor('connection', (e) => e['sid'] === sid);
    const { ws, frames, next } = await openWs(`ws://127.0.0.1:${w1.port}/engine.io/?EIO=4&transport=websocket&sid=${sid}`);
    ws.send('2probe');
    await next((f) => f === '3probe');
    // Messages queued for polling before the upgrade must come out first, on the websocket.
    await http(w2.url + q(sid), { method: 'POST', body: '4burst:50' });
    // The probe's noops (one per 100 ms until the upgrade packet, to end any poll) queue up beside it.
    const notNoops = "local n = 0 for _, e in ipairs(redis.call('LRANGE', KEYS[1], 0, -1)) do if e ~= '6' then n = n + 1 end end return n";
    await waitUntil(
      async () => (await redisRawCommand(c.redis.host, c.redis.port, ['EVAL', notNoops, '1', `ns:{${sid}}:q`])) === ':50',
      'the burst queued for polling',
    );
    ws.send('5');
    ws.send('4after');
    await next((f) => f === '4after');
    const msgs = frames.filter((f) => f.startsWith('4')).map((f) => f.slice(1));
    assert.deepEqual(msgs, [...Array.from({ length: 50 }, (_, i) => `s${i}`), 'after']);
    ws.close();
  });

  it('a GET replayed with the same t (nginx, after the first worker died unanswered) is answered the same again; the next t is not', async () => {
    const sid = await handshake(w1);
    await w1.waitFor('connection', (e) => e['sid'] === sid);
    const get = (w: WorkerProcess, t: string) => http(`${w.url}${q(sid)}&t=${t}`).then((r) => packets(r.text));
    const pending = get(w3, 'req-1');
    await pollWaiting(c, sid);
    assert.equal((await http(w2.url + q(sid), { method: 'POST', body: '4burst:3' })).text, 'ok');
    const first = await pending;
    assert.equal(first[0], '4s0', JSON.stringify(first));
    // Worker 3 "died" with that answer unsent: the same request, replayed elsewhere, gets it again.
    const replay = await get(w1, 'req-1');
    assert.deepEqual(replay.slice(0, first.length), first, 'the drained entries again, first');
    const got = [...replay];
    for (let i = 2; got.length < 3 && i < 50; i++) got.push(...(await get([w2, w3][i % 2]!, `req-${i}`)));
    assert.deepEqual(got, ['4s0', '4s1', '4s2'], 'each once after the replay');
    // The client read that answer and polls again: nothing is repeated.
    const next = get(w2, 'req-next');
    await pollWaiting(c, sid);
    assert.equal((await http(w3.url + q(sid), { method: 'POST', body: '4last' })).text, 'ok');
    assert.deepEqual(await next, ['4last']);
  });

  it('a second concurrent GET on another worker is an error that closes the session', async () => {
    const sid = await handshake(w1);
    const first = http(w2.url + q(sid));
    await pollWaiting(c, sid);
    const second = await http(w3.url + q(sid));
    assert.equal(second.status, 400);
    assert.equal((await first).text, '1', 'the first poll gets the close packet');
    const closed = await w1.waitFor('close', (e) => e['sid'] === sid);
    assert.equal(closed['reason'], 'transport error');
  });

  it('an invalid POST is answered 400 only once the session is closed, on its owner or not', async () => {
    for (const [entry, later] of [
      [w1, w3],
      [w2, w3],
      [w3, w1],
    ] as const) {
      for (const body of ['\x1e\x1e9', '2', 'zzz']) {
        const sid = await handshake(w1);
        await w1.waitFor('connection', (e) => e['sid'] === sid);
        // Something queued, so the next GET is answered at once rather than waiting for the close.
        assert.equal((await http(w1.url + q(sid), { method: 'POST', body: '4burst:2' })).text, 'ok');
        const bad = await http(entry.url + q(sid), { method: 'POST', body });
        assert.equal(bad.status, 400, bad.text);
        // The client's next requests, sent the moment the 400 arrived, already find the session closed.
        const poll = await http(later.url + q(sid));
        assert.deepEqual(packets(poll.text), ['4s0', '4s1', '1'], `${JSON.stringify(body)} via ${entry.workerId}`);
        const next = await http(later.url + q(sid), { method: 'POST', body: '4after' });
        assert.equal(next.status, 400, `${JSON.stringify(body)} via ${entry.workerId}: ${next.text}`);
        const closed = await w1.waitFor('close', (e) => e['sid'] === sid);
        assert.equal(closed['reason'], body === '2' ? 'transport error' : 'parse error');
      }
    }
  });

  it('a poll cancelled on one worker closes the session its owner holds', async () => {
    const sid = await handshake(w1);
    const ac = new AbortController();
    const poll = http(w3.url + q(sid), { signal: ac.signal }).catch(() => null);
    await pollWaiting(c, sid);
    ac.abort();
    await poll;
    const closed = await w1.waitFor('close', (e) => e['sid'] === sid);
    assert.equal(closed['reason'], 'transport error');
  });

  it('bad input through nginx closes only the offending session; every worker stays up', async () => {
    const good = openData((await http(`${c.url}${q()}`)).text).sid;
    const bad = openData((await http(`${c.url}${q()}`)).text).sid;
    assert.equal((await http(`${c.url}${q(bad)}`, { method: 'POST', body: '\x1e\x1e9' })).status, 400);
    assert.equal((await http(`${c.url}${q(bad)}`, { method: 'POST', body: '4x' })).status, 400, 'the session is already gone');
    const big = openData((await http(`${c.url}${q()}`)).text).sid;
    assert.equal((await http(`${c.url}${q(big)}`, { method: 'POST', body: `4${'z'.repeat(1_100_000)}` })).status, 413);
    assert.equal((await http(`${c.url}${q('not-a-session')}`)).status, 400);
    assert.equal((await http(`${c.url}/engine.io/?EIO=4&transport=polling`, { method: 'DELETE' })).status, 400);
    const junk = await http(`${c.url}/engine.io/?EIO=4&transport=polling&sid=${good}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/octet-stream' },
      body: Buffer.from([0xff, 0x00, 0x13]),
    });
    assert.equal(junk.status, 400);
    const fresh = openData((await http(`${c.url}${q()}`)).text).sid;
    assert.equal((await http(`${c.url}${q(fresh)}`, { method: 'POST', body: '4fine' })).text, 'ok');
    assert.deepEqual(await collect(c.workers, fresh, 1), ['fine']);
    for (const w of c.workers) assert.equal(w.child.exited, false, `${w.workerId} is alive`);
  });
});

// pingTimeout is what a pong may take from the ping's queueing to its POST being served: short enough
// for the missed-pong test to be quick, long enough for a loaded 2-core machine to answer in time.
describe('heartbeats live in Redis (3 workers, pingInterval 300 ms, pingTimeout 1000 ms)', () => {
  let c: Cluster;
  before(async () => {
    c = await startCluster(3, ['--ping-interval', '300', '--ping-timeout', '1000']);
  });
  after(() => c?.stop());

  it('pings reach polls on any worker and pongs through any worker keep the session', async () => {
    const [w1, w2, w3] = c.workers as [WorkerProcess, WorkerProcess, WorkerProcess];
    const sid = await handshake(w1);
    for (let i = 0; i < 4; i++) {
      const poll = await http([w2, w3, w1][i % 3]!.url + q(sid));
      assert.ok(packets(poll.text).includes('2'), `ping ${i}: ${poll.text}`);
      assert.equal((await http([w3, w1, w2][i % 3]!.url + q(sid), { method: 'POST', body: '3' })).text, 'ok');
    }
    assert.equal(w1.events('close').filter((e) => e['sid'] === sid).length, 0);
  });

  it('a missed pong closes the session whichever worker last saw it', async () => {
    const [w1, w2] = c.workers as [WorkerProcess, WorkerProcess];
    const sid = await handshake(w1);
    const poll = await http(w2.url + q(sid));
    assert.ok(packets(poll.text).includes('2'));
    const closed = await w1.waitFor('close', (e) => e['sid'] === sid, { timeoutMs: 6000 });
    assert.equal(closed['reason'], 'ping timeout');
  });
});

describe('a worker that dies mid-probe (3 workers on Redis, upgradeTimeout 300 ms)', () => {
  let c: Cluster;
  before(async () => {
    c = await startCluster(3, ['--upgrade-timeout', '300', '--worker-ttl', '1000']);
  });
  after(() => c?.stop());

  it('does not keep a settling session from ever being announced', async () => {
    const [w1, w2] = c.workers as [WorkerProcess, WorkerProcess];
    const sid = await handshake(w1);
    const { ws, next } = await openWs(`ws://127.0.0.1:${w2.port}/engine.io/?EIO=4&transport=websocket&sid=${sid}`);
    ws.on('error', () => {});
    ws.send('2probe');
    await next((f) => f === '3probe');
    // The prober dies before the upgrade packet: its probe stays in the store.
    w2.child.killGroup('SIGKILL');
    assert.equal((await http(w1.url + q(sid), { method: 'POST', body: '4hello' })).text, 'ok');
    const conn = await w1.waitFor('connection', (e) => e['sid'] === sid, { timeoutMs: 8000 });
    assert.equal(conn['resumed'], false, 'announced once, as a new session');
    assert.deepEqual(await collect([w1], sid, 1), ['hello']);
  });
});
