import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TimerWheel, type WheelItem } from '../../src/engine/TimerWheel.js';

interface Item extends WheelItem {
  name: string;
}

const item = (name: string): Item => ({ name, wheelSlot: 0 });

/** A wheel driven by explicit tick(now) calls (start() is never called, so no interval runs). */
function wheel(resolution: number) {
  const fired: Array<[string, number]> = [];
  const w = new TimerWheel<Item>(resolution, (it, now) => fired.push([it.name, now]));
  return { w, fired };
}

describe('TimerWheel', () => {
  it('fires an item at the first tick at or after its slot, never before', () => {
    const { w, fired } = wheel(100);
    const a = item('a');
    w.schedule(a, 250); // slot ceil(2.5) = 3: due from t=300
    w.tick(299);
    assert.deepEqual(fired, []);
    w.tick(300);
    assert.deepEqual(fired, [['a', 300]]);
    assert.equal(a.wheelSlot, 0, 'a fired item holds no slot');
    w.tick(10_000);
    assert.equal(fired.length, 1, 'fires once');
  });

  it('an exact multiple of the resolution is due at that very tick', () => {
    const { w, fired } = wheel(50);
    w.schedule(item('x'), 200);
    w.tick(199);
    w.tick(200);
    assert.deepEqual(fired, [['x', 200]]);
  });

  it('a late tick fires every slot it skipped, in slot order', () => {
    const { w, fired } = wheel(10);
    w.schedule(item('c'), 50);
    w.schedule(item('a'), 10);
    w.schedule(item('b'), 30);
    w.tick(1_000);
    assert.deepEqual(
      fired.map(([n]) => n),
      ['a', 'b', 'c'],
    );
  });

  it('rescheduling moves the item: only the last deadline counts', () => {
    const { w, fired } = wheel(10);
    const a = item('a');
    w.schedule(a, 20);
    w.schedule(a, 80);
    w.tick(50);
    assert.deepEqual(fired, []);
    w.tick(80);
    assert.deepEqual(fired, [['a', 80]]);
  });

  it('cancel() removes the item; cancelling twice or an unscheduled item is harmless', () => {
    const { w, fired } = wheel(10);
    const a = item('a');
    const b = item('b');
    w.schedule(a, 20);
    w.schedule(b, 20);
    w.cancel(a);
    w.cancel(a);
    w.cancel(item('never'));
    assert.equal(a.wheelSlot, 0);
    w.tick(100);
    assert.deepEqual(
      fired.map(([n]) => n),
      ['b'],
    );
  });

  it('a deadline in the past lands in the next slot still to run', () => {
    const { w, fired } = wheel(10);
    w.tick(1_000); // slots up to 100 have run
    w.schedule(item('late'), 5);
    w.tick(1_009);
    assert.deepEqual(fired, []);
    w.tick(1_010);
    assert.deepEqual(fired, [['late', 1_010]], 'due in slot 101, not lost behind the cursor');
  });

  it('an item may reschedule itself from its own callback (a heartbeat loop)', () => {
    const fired: number[] = [];
    const w: TimerWheel<Item> = new TimerWheel<Item>(10, (it, now) => {
      fired.push(now);
      if (fired.length < 3) w.schedule(it, now + 30);
    });
    w.schedule(item('hb'), 30);
    for (let t = 0; t <= 200; t += 10) w.tick(t);
    assert.deepEqual(fired, [30, 60, 90]);
  });

  it('many items in one slot all fire, each once', () => {
    const { w, fired } = wheel(10);
    const items = Array.from({ length: 1000 }, (_, i) => item(String(i)));
    for (const it of items) w.schedule(it, 40);
    w.tick(40);
    assert.equal(fired.length, 1000);
    assert.equal(new Set(fired.map(([n]) => n)).size, 1000);
  });

  it('stop() forgets everything scheduled', () => {
    const { w, fired } = wheel(10);
    w.schedule(item('a'), 20);
    w.stop();
    w.tick(1_000);
    assert.deepEqual(fired, []);
  });

  it('the resolution is a whole number of milliseconds, at least 1', () => {
    assert.equal(new TimerWheel<Item>(0, () => {}).resolution, 1);
    assert.equal(new TimerWheel<Item>(-5, () => {}).resolution, 1);
    assert.equal(new TimerWheel<Item>(12.9, () => {}).resolution, 12);
  });

  it("start() runs the wheel on its own (unref'd) interval, and is idempotent", async () => {
    const { w, fired } = wheel(5);
    w.start();
    w.start();
    try {
      w.schedule(item('a'), Date.now() + 10);
      const deadline = Date.now() + 2_000;
      while (fired.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      assert.deepEqual(
        fired.map(([n]) => n),
        ['a'],
      );
    } finally {
      w.stop();
    }
  });
});
