import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DueHeap } from '../../src/store/DueHeap.js';

/** Pops everything due at `now`, in order. */
function drain(h: DueHeap, now: number): string[] {
  const out: string[] = [];
  for (let k = h.popDue(now); k !== undefined; k = h.popDue(now)) out.push(k);
  return out;
}

/** Deterministic pseudo-random numbers (mulberry32), so a failure replays. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('DueHeap', () => {
  it('is empty at first: nothing is due, size 0', () => {
    const h = new DueHeap();
    assert.equal(h.size, 0);
    assert.equal(h.popDue(Number.MAX_SAFE_INTEGER), undefined);
  });

  it('pops only what is due at or before now, earliest first', () => {
    const h = new DueHeap();
    h.push(30, 'c');
    h.push(10, 'a');
    h.push(20, 'b');
    assert.equal(h.popDue(9), undefined);
    assert.equal(h.popDue(10), 'a', 'due exactly now counts');
    assert.equal(h.popDue(15), undefined);
    assert.deepEqual(drain(h, 100), ['b', 'c']);
    assert.equal(h.size, 0);
  });

  it('keeps duplicates of a key (the owner drops stale entries)', () => {
    const h = new DueHeap();
    h.push(50, 'k');
    h.push(10, 'k');
    assert.equal(h.size, 2);
    assert.deepEqual(drain(h, 100), ['k', 'k']);
  });

  it('equal due times all come out', () => {
    const h = new DueHeap();
    for (const k of ['a', 'b', 'c', 'd']) h.push(5, k);
    assert.deepEqual(drain(h, 5).sort(), ['a', 'b', 'c', 'd']);
  });

  it('pops in due order for thousands of random pushes interleaved with pops', () => {
    const rnd = random(42);
    const h = new DueHeap();
    const dueOf = new Map<string, number>();
    let now = 0;
    for (let i = 0; i < 5_000; i++) {
      const key = `k${i}`;
      const at = now + Math.floor(rnd() * 1_000);
      h.push(at, key);
      dueOf.set(key, at);
      if (rnd() < 0.3) {
        now += Math.floor(rnd() * 100);
        const expected = [...dueOf].filter(([, t]) => t <= now).map(([k]) => k);
        const popped = drain(h, now);
        const times = popped.map((k) => dueOf.get(k)!);
        assert.deepEqual(
          times,
          [...times].sort((a, b) => a - b),
          'due times come out non-decreasing',
        );
        assert.deepEqual(new Set(popped), new Set(expected), 'exactly the keys due by now');
        for (const k of popped) dueOf.delete(k);
      }
      assert.equal(h.size, dueOf.size);
    }
    assert.equal(drain(h, Number.MAX_SAFE_INTEGER).length, dueOf.size);
  });
});
