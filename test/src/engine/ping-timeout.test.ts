import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { http, openData } from '@nonstick/server/testing';
import { startTarget, TARGETS, type Target } from './targets.js';

const PING_INTERVAL = 300;
const PING_TIMEOUT = 200;
/**
 * Room for a loaded 2-core machine, whose sweeps and test process stall for hundreds of ms now
 * and then; engine.io itself closes at exactly pingInterval + pingTimeout. Before the fix the
 * session answered for closeLinger (30 s), far beyond this.
 */
const SLACK = 500;

const q = (sid?: string) => `/engine.io/?EIO=4&transport=polling${sid ? `&sid=${sid}` : ''}`;
const packets = (text: string) => (text === '' ? [] : text.split('\x1e'));

async function handshake(url: string): Promise<{ sid: string; at: number }> {
  const r = await http(url + q());
  const at = Date.now();
  assert.equal(r.status, 200, r.text);
  return { sid: openData(r.text).sid, at };
}

/** Sleeps until `ms` after `from`. */
const sleepUntil = (from: number, ms: number) => sleep(Math.max(0, from + ms - Date.now()));

for (const kind of TARGETS) {
  describe(`polling ping timeout as engine.io (raw HTTP): ${kind}, pingInterval ${PING_INTERVAL} ms, pingTimeout ${PING_TIMEOUT} ms`, () => {
    let target: Target;
    before(async () => {
      target = await startTarget(kind, ['--ping-interval', String(PING_INTERVAL), '--ping-timeout', String(PING_TIMEOUT)]);
    });
    after(() => target?.stop());

    it('a client that never polls again is gone by pingInterval + pingTimeout', async () => {
      for (let round = 0; round < 3; round++) {
        const { sid, at } = await handshake(target.url);
        await sleepUntil(at, PING_INTERVAL + PING_TIMEOUT + SLACK);
        const late = await http(target.url + q(sid));
        assert.equal(late.status, 400, `round ${round}, ${Date.now() - at} ms after the handshake: ${late.text}`);
        assert.deepEqual(JSON.parse(late.text), { code: 1, message: 'Session ID unknown' });
        const closed = await Promise.any(target.workers.map((w) => w.waitFor('close', (e) => e['sid'] === sid, { timeoutMs: 2000 })));
        assert.equal(closed['reason'], 'ping timeout');
      }
    });

    it('a client that polls and answers every ping stays open', async () => {
      // Its own workers with a pingTimeout a loaded machine's stalls stay under: 200 ms also
      // timed out a client that answered every ping whenever the test process stalled that long.
      const lenient = await startTarget(kind, ['--ping-interval', String(PING_INTERVAL), '--ping-timeout', '1500']);
      try {
        await answersEveryPing(lenient);
      } finally {
        await lenient.stop();
      }
    });
  });
}

/** Polls for four heartbeat periods, answering every ping; the session must stay open throughout. */
async function answersEveryPing(target: Target): Promise<void> {
  const { sid, at } = await handshake(target.url);
  let pongs = 0;
  while (Date.now() - at < 4 * (PING_INTERVAL + PING_TIMEOUT)) {
    const poll = await http(target.url + q(sid));
    assert.equal(poll.status, 200, `${Date.now() - at} ms after the handshake: ${poll.text}`);
    if (!packets(poll.text).includes('2')) continue;
    const pong = await http(target.url + q(sid), { method: 'POST', body: '3' });
    assert.equal(pong.text, 'ok');
    pongs++;
  }
  assert.ok(pongs >= 3, `${pongs} pings answered`);
  for (const w of target.workers) assert.equal(w.events('close').filter((e) => e['sid'] === sid).length, 0, `${w.workerId} closed nothing`);
}
