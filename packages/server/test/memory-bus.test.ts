import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareIds } from '../src/bus/Bus.js';
import { MemoryBus, MemoryLog } from '../src/bus/MemoryBus.js';
import { runBusContract, startReader } from './bus-contract/index.js';

runBusContract('MemoryBus', async (n, options) => {
  const log = new MemoryLog();
  const buses = Array.from({ length: n }, () => new MemoryBus({ log, ...options }));
  return {
    buses,
    async close() {
      await Promise.all(buses.map((b) => b.stop()));
    },
  };
});

describe('MemoryBus specifics', () => {
  it('trims a long log from the head and keeps ranges exact', async () => {
    const log = new MemoryLog();
    const bus = new MemoryBus({ log, retention: 0 });
    const ids: string[] = [];
    // Across several milliseconds: retention 0 trims everything older than the newest ms.
    while (ids.length < 5000 || log.length === ids.length) {
      ids.push(await bus.publish({ kind: 'b', fields: [String(ids.length)], binary: [] }));
      if (ids.length % 100 === 0) await new Promise((r) => setImmediate(r));
    }
    const live = ids.slice(ids.length - log.length);
    const newestMs = ids.at(-1)!.split('-')[0];
    assert.ok(live.every((id) => id.startsWith(`${newestMs}-`)));
    assert.equal(log.trimmedUpTo, ids[ids.length - log.length - 1]);
    assert.deepEqual(
      (await bus.range(log.trimmedUpTo, 10_000))?.map((e) => e.id),
      live,
    );
    assert.equal(await bus.range(ids[0]!, 10), null);
    assert.equal(await bus.lastId(), ids.at(-1));
    for (let i = 1; i < ids.length; i++) assert.ok(compareIds(ids[i - 1]!, ids[i]!) < 0);
  });

  it('hands every reader the same frozen entry', async () => {
    const log = new MemoryLog();
    const [a, b] = [new MemoryBus({ log }), new MemoryBus({ log })];
    const [ra, rb] = await Promise.all([startReader(a), startReader(b)]);
    const fields = ['x'];
    const anchor = await a.publish({ kind: 'a', fields: [], binary: [] });
    await a.publish({ kind: 'b', fields, binary: [] });
    fields.push('changed later');
    const [ea] = (await ra.waitFor(2)).slice(1);
    const [eb] = (await rb.waitFor(2)).slice(1);
    assert.equal(ea, eb);
    assert.ok(Object.isFrozen(ea) && Object.isFrozen(ea!.fields) && Object.isFrozen(ea!.binary));
    assert.deepEqual(ea!.fields, ['x']);
    assert.deepEqual((await b.range(anchor, 1))![0], ea);
    await assert.rejects(
      a.start(() => {}),
      /already started/,
    );
    await Promise.all([a.stop(), b.stop()]);
  });
});
