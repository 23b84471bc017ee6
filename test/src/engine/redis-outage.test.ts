import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { http, openData } from '@nonstick/server/testing';
import { connect } from '../clients/eio.js';
import { startCluster, type Cluster } from '../fixtures/cluster.js';

describe('a Redis outage (2 workers behind nginx)', () => {
  let c: Cluster;
  before(async () => {
    c = await startCluster(2, ['--log-level', 'info']);
  });
  after(() => c?.stop());

  it('fails requests with a clear 503 meanwhile, never crashes, and recovers when Redis is back', async () => {
    const before = await connect('v4', c.url, 'polling');
    before.send('hi');
    assert.deepEqual(await before.nextMessages(1), ['hi']);

    await c.redis.kill();
    const during = await http(`${c.url}/engine.io/?EIO=4&transport=polling`);
    assert.equal(during.status, 503, during.text);
    assert.deepEqual(JSON.parse(during.text), { code: -1, message: 'Session store unavailable' });
    // The client whose session lived in Redis gives up cleanly rather than hanging.
    await before.closed;
    for (const w of c.workers) {
      await w.child.waitForLine(/redis connection (reconnecting|error|end)/, 5000);
      assert.equal(w.child.exited, false);
    }

    await c.redis.restart();
    for (const w of c.workers) await w.child.waitForLine(/redis connection ready/, 10_000, { since: w.child.lineCount - 50 });
    let ok = false;
    for (let i = 0; i < 50 && !ok; i++) {
      const r = await http(`${c.url}/engine.io/?EIO=4&transport=polling`);
      ok = r.status === 200 && openData(r.text).sid.length > 0;
      if (!ok) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(ok, 'handshakes work again');
    for (const mode of ['polling', 'websocket', 'upgrade'] as const) {
      const client = await connect('v4', c.url, mode);
      client.send(`back ${mode}`);
      assert.deepEqual(await client.nextMessages(1), [`back ${mode}`]);
      client.close();
    }
    for (const w of c.workers) assert.equal(w.child.exited, false);
  });
});
