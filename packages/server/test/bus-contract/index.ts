/**
 * The bus contract suite. Every `Bus` implementation runs it:
 *
 *   runBusContract('MemoryBus', async (n, options) => ({ buses: [...], close }));
 *
 * A factory returns `n` unstarted handles on one shared log (one per
 * simulated worker), configured with `options.retention` (ms) and passing
 * whatever a `start` handler throws to `options.onError`. `close` stops them
 * all (handles a test already stopped included).
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { compareIds, ID_PATTERN, type Bus, type BusEntry, type BusInput } from '../../src/bus/Bus.js';

export interface BusEnv {
  buses: Bus[];
  close(): Promise<void>;
}

export interface BusFactoryOptions {
  retention: number;
  onError: (error: unknown) => void;
}

export type BusFactory = (n: number, options: BusFactoryOptions) => Promise<BusEnv>;

/** A started handle that records what it is delivered. */
export interface BusReader {
  bus: Bus;
  batches: BusEntry[][];
  entries: BusEntry[];
  /** Resolves with the first `n` entries once at least `n` have been delivered. */
  waitFor(n: number, timeoutMs?: number): Promise<BusEntry[]>;
}

export async function startReader(bus: Bus, label = bus.kind): Promise<BusReader> {
  const batches: BusEntry[][] = [];
  const entries: BusEntry[] = [];
  const waiters = new Set<{ n: number; resolve: () => void }>();
  await bus.start((batch) => {
    batches.push(batch);
    entries.push(...batch);
    for (const w of waiters) if (entries.length >= w.n) w.resolve();
  });
  return {
    bus,
    batches,
    entries,
    waitFor(n, timeoutMs = 5000) {
      if (entries.length >= n) return Promise.resolve(entries.slice(0, n));
      return new Promise((resolve, reject) => {
        const w = {
          n,
          resolve: () => {
            clearTimeout(timer);
            waiters.delete(w);
            resolve(entries.slice(0, n));
          },
        };
        const timer = setTimeout(() => {
          waiters.delete(w);
          reject(new Error(`${label}: waited for ${n} entries, got ${entries.length}`));
        }, timeoutMs);
        waiters.add(w);
      });
    },
  };
}

/** An entry as plain data (binary as hex), for deepEqual across implementations. */
export function plain(e: BusEntry): { id: string; kind: string; fields: string[]; binary: string[] } {
  return { id: e.id, kind: e.kind, fields: [...e.fields], binary: e.binary.map(hex) };
}

function hex(b: Uint8Array): string {
  assert.ok(b instanceof Uint8Array, 'binary fields are Uint8Arrays');
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

function plainInput(id: string, input: BusInput): ReturnType<typeof plain> {
  return plain({ id, ...input });
}

const ids = (entries: readonly BusEntry[] | null): string[] | null => entries && entries.map((e) => e.id);

function msOf(id: string): number {
  return Number(id.slice(0, id.indexOf('-')));
}

function seqOf(id: string): number {
  return Number(id.slice(id.indexOf('-') + 1));
}

/** Waits until the clock reaches `t` (ms): retention is about time passing, there is no event for it. */
async function clockPasses(t: number): Promise<void> {
  for (let now = Date.now(); now <= t; now = Date.now()) await new Promise((r) => setTimeout(r, t - now + 1));
}

function assertIncreasing(list: readonly string[], what: string): void {
  for (let i = 1; i < list.length; i++) {
    assert.ok(compareIds(list[i - 1]!, list[i]!) < 0, `${what}: ${list[i - 1]} < ${list[i]}`);
  }
}

const DEFAULT_RETENTION = 60_000;

export function runBusContract(name: string, factory: BusFactory): void {
  describe(`${name} satisfies the bus contract`, () => {
    let env: BusEnv | null = null;
    let errors: unknown[] = [];
    afterEach(async () => {
      await env?.close();
      env = null;
    });

    async function buses(n: number, retention = DEFAULT_RETENTION): Promise<Bus[]> {
      errors = [];
      env = await factory(n, { retention, onError: (e) => errors.push(e) });
      assert.equal(env.buses.length, n);
      return env.buses;
    }

    async function readers(n: number, retention = DEFAULT_RETENTION): Promise<BusReader[]> {
      const list = await buses(n, retention);
      return Promise.all(list.map((b, i) => startReader(b, `${name} ${String.fromCharCode(65 + i)}`)));
    }

    it('delivers every entry to every started handle, the publisher included', async () => {
      const [a, b, c] = await readers(3);
      const e1: BusInput = { kind: 'b', fields: ['/', 'room1', '2["hello"]'], binary: [] };
      const e2: BusInput = { kind: 'r', fields: ['join', 'sid1'], binary: [] };
      const id1 = await a!.bus.publish(e1);
      const id2 = await b!.bus.publish(e2);
      const want = [plainInput(id1, e1), plainInput(id2, e2)];
      for (const r of [a!, b!, c!]) assert.deepEqual((await r.waitFor(2)).map(plain), want);
      // Nothing else arrives (c published nothing, nobody got anything twice).
      const id3 = await c!.bus.publish({ kind: 'x', fields: [], binary: [] });
      for (const r of [a!, b!, c!]) {
        await r.waitFor(3);
        assert.deepEqual(ids(r.entries), [id1, id2, id3]);
      }
    });

    it('gives every reader the same total order, also with concurrent publishers', async () => {
      const rs = await readers(3);
      const published = new Map<string, string>(); // tag -> id
      // Wave 1: all publishes issued in one synchronous run, interleaved.
      const wave1: Promise<void>[] = [];
      for (let i = 0; i < 40; i++) {
        rs.forEach((r, w) => {
          const tag = `${w}:${i}`;
          wave1.push(r.bus.publish({ kind: 'b', fields: [tag], binary: [] }).then((id) => void published.set(tag, id)));
        });
      }
      await Promise.all(wave1);
      // Wave 2: independent publishers, each awaiting its own publishes.
      await Promise.all(
        rs.map(async (r, w) => {
          for (let i = 40; i < 60; i++) {
            const tag = `${w}:${i}`;
            published.set(tag, await r.bus.publish({ kind: 'b', fields: [tag], binary: [] }));
          }
        }),
      );
      const total = rs.length * 60;
      const orders = await Promise.all(rs.map((r) => r.waitFor(total)));
      const first = orders[0]!;
      assertIncreasing(
        first.map((e) => e.id),
        'delivery order',
      );
      for (const order of orders) assert.deepEqual(ids(order), ids(first), 'every reader sees the same order');
      // Each entry is delivered under the id its publish resolved with...
      for (const e of first) assert.equal(published.get(e.fields[0]!), e.id);
      assert.equal(new Set(first.map((e) => e.id)).size, total);
      // ...and one publisher's entries keep the order it published them in.
      for (let w = 0; w < rs.length; w++) {
        const mine = first.filter((e) => e.fields[0]!.startsWith(`${w}:`)).map((e) => Number(e.fields[0]!.slice(2)));
        assert.deepEqual(
          mine,
          Array.from({ length: 60 }, (_, i) => i),
        );
      }
      // The log holds them in the same order.
      assert.deepEqual(ids(await rs[1]!.bus.range(first[0]!.id, total)), ids(first.slice(1)));
    });

    it('delivers in batches, in order', async () => {
      const [a, b] = await readers(2);
      const n = 200;
      const pubs = Array.from({ length: n }, (_, i) => a!.bus.publish({ kind: 'b', fields: [String(i)], binary: [] }));
      const published = await Promise.all(pubs);
      for (const r of [a!, b!]) {
        const got = await r.waitFor(n);
        assert.deepEqual(ids(got), published);
        assert.ok(
          r.batches.every((batch) => batch.length > 0),
          'no empty batches',
        );
        assert.ok(r.batches.length < n, `${n} entries published at once came in ${r.batches.length} batches`);
        assert.deepEqual(
          r.batches.flat().map((e) => e.fields[0]),
          Array.from({ length: n }, (_, i) => String(i)),
        );
      }
    });

    it('issues increasing ids, comparable with compareIds, and reports the newest as lastId', async () => {
      const rs = await readers(2);
      for (const r of rs) assert.equal(await r.bus.lastId(), '0-0');
      const list: string[] = [];
      for (let i = 0; i < 20; i++) list.push(await rs[i % 2]!.bus.publish({ kind: 'b', fields: [String(i)], binary: [] }));
      for (const id of list) assert.match(id, ID_PATTERN);
      assertIncreasing(list, 'published ids');
      for (const r of rs) assert.equal(await r.bus.lastId(), list.at(-1));
      assert.equal(compareIds(list[3]!, list[3]!), 0);
      assert.ok(compareIds(list[3]!, list[4]!) < 0);
      assert.ok(compareIds(list[4]!, list[3]!) > 0);
      // Numeric, not lexicographic.
      assert.ok(compareIds('9-0', '10-0') < 0);
      assert.ok(compareIds('5-9', '5-10') < 0);
      assert.ok(compareIds('0-0', list[0]!) < 0);
      await rs[0]!.waitFor(20);
    });

    it('round-trips text and binary fields exactly, through delivery and range', async () => {
      const [a, b] = await readers(2);
      const all = Buffer.alloc(256);
      for (let i = 0; i < 256; i++) all[i] = i;
      const backing = new Uint8Array([9, 9, 0xff, 0x00, 0xfe, 9]);
      const input: BusInput = {
        kind: 'b',
        fields: ['plain', 'ünïcødé ✓ 日本語 🎉', 'nul\u0000inside', 'line\r\nbreak', '{"json":[1,"2"]}', ' lead and trail '],
        binary: [
          all,
          new Uint8Array([0xff, 0xfe, 0xfd]), // never valid UTF-8
          new Uint8Array([0xc3, 0x28]), // invalid 2-byte sequence
          new Uint8Array([0x80, 0x80]), // lone continuation bytes
          new Uint8Array([0xe2, 0x82]), // truncated sequence
          new Uint8Array([0xed, 0xa0, 0x80]), // encoded surrogate
          new Uint8Array([0x00]),
          backing.subarray(2, 5), // a view into a larger buffer: only its own bytes
        ],
      };
      const anchor = await a!.bus.publish({ kind: 'a', fields: [], binary: [] });
      const id = await a!.bus.publish(input);
      const want = plainInput(id, input);
      assert.deepEqual(plain((await b!.waitFor(2))[1]!), want);
      assert.deepEqual(plain((await a!.waitFor(2))[1]!), want);
      assert.deepEqual((await b!.bus.range(anchor, 10))?.map(plain), [want]);
    });

    it('keeps empty fields, empty binaries and entries without any', async () => {
      const [a, b] = await readers(2);
      const inputs: BusInput[] = [
        { kind: 'x', fields: [], binary: [] },
        { kind: 'y', fields: ['', ''], binary: [] },
        { kind: 'z', fields: [], binary: [new Uint8Array(0), new Uint8Array(0)] },
        { kind: 'w', fields: ['', 'a', ''], binary: [new Uint8Array(0), new Uint8Array([0]), new Uint8Array(0)] },
      ];
      const anchor = await a!.bus.publish({ kind: 'a', fields: ['anchor'], binary: [] });
      const published: string[] = [];
      for (const input of inputs) published.push(await a!.bus.publish(input));
      const want = inputs.map((input, i) => plainInput(published[i]!, input));
      assert.deepEqual((await b!.waitFor(inputs.length + 1)).slice(1).map(plain), want);
      assert.deepEqual((await a!.bus.range(anchor, 10))?.map(plain), want);
    });

    it('ranges strictly after an id, oldest first, at most limit', async () => {
      const [a, b] = await readers(2);
      const list: string[] = [];
      for (let i = 0; i < 10; i++) list.push(await (i % 2 ? b! : a!).bus.publish({ kind: 'b', fields: [`e${i}`], binary: [new Uint8Array([i])] }));
      const delivered = await b!.waitFor(10);
      assert.deepEqual(ids(await a!.bus.range(list[2]!, 100)), list.slice(3));
      assert.deepEqual(ids(await b!.bus.range(list[2]!, 3)), list.slice(3, 6));
      assert.deepEqual((await b!.bus.range(list[5]!, 100))?.map(plain), delivered.slice(6).map(plain));
      assert.deepEqual(await a!.bus.range(list[4]!, 0), []);
      // Paging through with a small limit replays everything once.
      const paged: string[] = [];
      for (let after = list[0]!; ;) {
        const page = await a!.bus.range(after, 4);
        assert.ok(page, `page after ${after}`);
        if (page.length === 0) break;
        assert.ok(page.length <= 4);
        paged.push(...ids(page)!);
        after = page.at(-1)!.id;
      }
      assert.deepEqual(paged, list.slice(1));
    });

    it('ranges nothing from the current lastId, on an empty log too', async () => {
      const [a, b] = await readers(2);
      assert.equal(await a!.bus.lastId(), '0-0');
      assert.deepEqual(await a!.bus.range('0-0', 10), []);
      const id = await a!.bus.publish({ kind: 'b', fields: ['x'], binary: [] });
      assert.equal(await b!.bus.lastId(), id);
      assert.deepEqual(await b!.bus.range(await b!.bus.lastId(), 10), []);
      assert.deepEqual(await a!.bus.range(id, 10), []);
      await b!.waitFor(1);
    });

    it('ranges null from an id beyond the log', async () => {
      const [a, b] = await readers(2);
      assert.equal(await a!.bus.range('1-0', 10), null, 'nothing was ever issued');
      const id = await a!.bus.publish({ kind: 'b', fields: ['x'], binary: [] });
      assert.equal(await a!.bus.range(`${msOf(id)}-${seqOf(id) + 1}`, 10), null, 'the next id');
      assert.equal(await b!.bus.range(`${msOf(id) + 60_000}-0`, 10), null, 'a minute ahead');
      assert.equal(await b!.bus.range('9999999999999999-0', 10), null, 'far ahead');
      await b!.waitFor(1);
    });

    it('ranges null from invalid ids', async () => {
      const [a] = await readers(1);
      const id = await a!.bus.publish({ kind: 'b', fields: ['x'], binary: [] });
      for (const bad of [
        '',
        'abc',
        '1',
        '-1',
        '1-',
        '-',
        '1-2-3',
        ' 1-0',
        '1-0 ',
        '1.5-0',
        '0x1-0',
        '1e3-0',
        '+1-0',
        '1--1',
        `${id}x`,
        '１-0',
        '12345678901234567-0',
      ]) {
        assert.equal(await a!.bus.range(bad, 10), null, JSON.stringify(bad));
      }
      await a!.waitFor(1);
    });

    it('ranges null once retention trimmed entries after the id', async () => {
      const retention = 200;
      const [a, b] = await readers(2, retention);
      const old1 = await a!.bus.publish({ kind: 'b', fields: ['old1'], binary: [] });
      const old2 = await b!.bus.publish({ kind: 'b', fields: ['old2'], binary: [] });
      await a!.waitFor(2);
      // Still there within the retention window.
      assert.deepEqual(ids(await a!.bus.range(old1, 10)), [old2]);
      await clockPasses(msOf(old2) + retention + 100);
      const fresh = await a!.bus.publish({ kind: 'b', fields: ['fresh'], binary: [] });
      await b!.waitFor(3);
      assert.equal(await a!.bus.range(old1, 10), null, 'old2 is gone: a replay from old1 has a gap');
      assert.equal(await b!.bus.range(old1, 10), null);
      assert.equal(await b!.bus.range('0-0', 10), null);
      assert.deepEqual(await b!.bus.range(fresh, 10), []);
      assert.equal(await a!.bus.lastId(), fresh);
      // Live delivery is not affected by trimming.
      assert.deepEqual(
        b!.entries.map((e) => e.fields[0]),
        ['old1', 'old2', 'fresh'],
      );
    });

    it('stops delivering after stop()', async () => {
      const [a, b] = await readers(2);
      await a!.bus.publish({ kind: 'b', fields: ['1'], binary: [] });
      await a!.waitFor(1);
      await b!.waitFor(1);
      await a!.bus.stop();
      const later = [await b!.bus.publish({ kind: 'b', fields: ['2'], binary: [] }), await b!.bus.publish({ kind: 'b', fields: ['3'], binary: [] })];
      const got = await b!.waitFor(3);
      assert.deepEqual(ids(got.slice(1)), later);
      // b has had both; a, stopped, none.
      assert.deepEqual(
        a!.entries.map((e) => e.fields[0]),
        ['1'],
      );
    });

    it('does not deliver entries published before start', async () => {
      const [a, b] = await buses(2);
      const ra = await startReader(a!);
      const before = await a!.publish({ kind: 'b', fields: ['before'], binary: [] });
      await ra.waitFor(1);
      const rb = await startReader(b!);
      const after1 = await a!.publish({ kind: 'b', fields: ['after1'], binary: [] });
      const after2 = await b!.publish({ kind: 'b', fields: ['after2'], binary: [] });
      assert.deepEqual(ids(await rb.waitFor(2)), [after1, after2]);
      assert.deepEqual(ids(await ra.waitFor(3)), [before, after1, after2]);
      assert.equal(rb.entries.length, 2);
      // What b missed is in the log.
      assert.deepEqual(ids(await b!.range(before, 10)), [after1, after2]);
    });

    it('starts again after stop(), from the log as it is then', async () => {
      const [a, b] = await buses(2);
      const ra = await startReader(a!);
      const rb = await startReader(b!);
      const first = await a!.publish({ kind: 'b', fields: ['1'], binary: [] });
      await Promise.all([ra.waitFor(1), rb.waitFor(1)]);
      await a!.stop();
      const missed = await b!.publish({ kind: 'b', fields: ['2'], binary: [] });
      await rb.waitFor(2);
      const again = await startReader(a!);
      const next = [await a!.publish({ kind: 'b', fields: ['3'], binary: [] }), await b!.publish({ kind: 'b', fields: ['4'], binary: [] })];
      assert.deepEqual(ids(await again.waitFor(2)), next);
      assert.deepEqual(ids(await rb.waitFor(4)), [first, missed, ...next]);
      assert.deepEqual(ids(await a!.range(first, 10)), [missed, ...next]);
      assert.equal(ra.entries.length, 1);
      assert.equal(again.entries.length, 2);
    });

    it('refuses a second start() while started', async () => {
      const [a] = await readers(1);
      await assert.rejects(
        a!.bus.start(() => {}),
        /already started/,
      );
      const id = await a!.bus.publish({ kind: 'b', fields: ['x'], binary: [] });
      assert.deepEqual(ids(await a!.waitFor(1)), [id], 'the first handler still gets the entries');
    });

    it('keeps delivering when a handler throws', async () => {
      const [a, b, c] = await buses(3);
      const thrown: BusEntry[][] = [];
      let notify: (() => void) | null = null;
      await a!.start((batch) => {
        thrown.push(batch);
        notify?.();
        throw new Error(`boom ${thrown.length}`);
      });
      const calls = (n: number) =>
        new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`throwing handler: ${thrown.length} of ${n} calls`)), 5000);
          const check = () => {
            if (thrown.length >= n) {
              clearTimeout(timer);
              notify = null;
              resolve();
            }
          };
          notify = check;
          check();
        });
      const rb = await startReader(b!);
      const rc = await startReader(c!);
      const id1 = await c!.publish({ kind: 'b', fields: ['1'], binary: [] });
      await Promise.all([calls(1), rb.waitFor(1), rc.waitFor(1)]);
      // The next batch still reaches the throwing handler, and everyone else.
      const id2 = await a!.publish({ kind: 'b', fields: ['2'], binary: [] });
      await Promise.all([calls(2), rb.waitFor(2), rc.waitFor(2)]);
      assert.deepEqual(ids(thrown.flat()), [id1, id2]);
      assert.deepEqual(ids(rb.entries), [id1, id2]);
      assert.deepEqual(ids(rc.entries), [id1, id2]);
      assert.ok(errors.length >= 2, `onError got ${errors.length} errors`);
      assert.match((errors[0] as Error).message, /^boom 1$/);
      assert.match((errors[1] as Error).message, /^boom 2$/);
    });
  });
}
