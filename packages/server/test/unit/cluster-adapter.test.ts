import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SioPacketType } from '@nonstick/protocol';
import type { BusEntry, BusInput } from '../../src/bus/Bus.js';
import type { BroadcastOptions } from '../../src/sio/BroadcastOperator.js';
import { ClusterAdapter } from '../../src/sio/ClusterAdapter.js';

/** What the adapter asks of a socket: an id, a recovery pid, and a way to write frames. */
class FakeSocket {
  written: Array<{ frames: Array<string | Uint8Array>; offset: string | null | undefined }> = [];
  joined: string[][] = [];
  left: string[] = [];
  disconnected: boolean[] = [];
  constructor(
    readonly id: string,
    readonly pid = '',
  ) {}
  writeFrames(frames: Array<string | Uint8Array>, _data: unknown, offset?: string | null): void {
    this.written.push({ frames, offset });
  }
  listenersAnyOutgoing(): unknown[] {
    return [];
  }
  join(rooms: string[]): void {
    this.joined.push(rooms);
  }
  leave(room: string): void {
    this.left.push(room);
  }
  disconnect(close: boolean): void {
    this.disconnected.push(close);
  }
}

/** A namespace of fake sockets on a server that records what it publishes. */
function setup(opts: { recovery?: boolean } = {}) {
  const published: BusInput[] = [];
  const touched: string[] = [];
  const sockets = new Map<string, FakeSocket>();
  const nsp = {
    name: '/',
    sockets,
    server: {
      recovery: opts.recovery ?? false,
      workerId: 'w-1',
      publish: (e: BusInput) => published.push(e),
      socketTouched: (s: FakeSocket) => touched.push(s.id),
    },
  };
  const adapter = new ClusterAdapter(nsp as unknown as ConstructorParameters<typeof ClusterAdapter>[0]);
  const add = (id: string, rooms: string[], pid = '') => {
    const s = new FakeSocket(id, pid);
    sockets.set(id, s);
    adapter.addAll(s as never, rooms);
    return s;
  };
  /** The bus hands every published entry back to every worker, this one included. */
  const loop = (offset = '1-0') => {
    for (const e of published.splice(0)) {
      const entry: BusEntry = { id: offset, kind: e.kind, fields: e.fields, binary: e.binary };
      if (e.kind === 'b') adapter.onBroadcast(entry);
      else adapter.onOp(entry);
    }
  };
  return { adapter, add, sockets, published, touched, loop };
}

const options = (rooms: string[] = [], except: string[] = [], flags: BroadcastOptions['flags'] = {}): BroadcastOptions => ({
  rooms: new Set(rooms),
  except: new Set(except),
  flags,
});
const ids = (list: Array<{ id: string }>) => list.map((s) => s.id).sort();
const event = (...data: unknown[]) => ({ type: SioPacketType.EVENT, nsp: '/', data });

describe('ClusterAdapter: the room index', () => {
  it('addAll indexes both ways, once per room, and reports the socket touched', () => {
    const { adapter, add, touched } = setup();
    const a = add('a', ['r1', 'r2']);
    adapter.addAll(a as never, ['r2', 'r3']);
    assert.deepEqual(adapter.socketRooms('a')?.sort(), ['r1', 'r2', 'r3']);
    assert.deepEqual([...adapter.rooms.keys()].sort(), ['r1', 'r2', 'r3']);
    assert.deepEqual(touched, ['a', 'a']);
  });

  it('addAll without persist does not report the socket touched', () => {
    const { adapter, touched } = setup();
    adapter.addAll(new FakeSocket('a') as never, ['r'], false);
    assert.deepEqual(touched, []);
  });

  it('del removes one room and drops rooms left empty; deleting a room it is not in changes nothing', () => {
    const { adapter, add, touched } = setup();
    const a = add('a', ['r1', 'r2']);
    add('b', ['r2']);
    touched.length = 0;
    adapter.del(a as never, 'r1');
    adapter.del(a as never, 'nope');
    assert.deepEqual(adapter.socketRooms('a'), ['r2']);
    assert.ok(!adapter.rooms.has('r1'), 'an empty room is forgotten');
    assert.deepEqual([...adapter.rooms.get('r2')!].sort(), ['a', 'b']);
    assert.deepEqual(touched, ['a'], 'only a real change is persisted');
  });

  it('delAll forgets the socket everywhere', () => {
    const { adapter, add } = setup();
    const a = add('a', ['r1', 'r2']);
    add('b', ['r2']);
    adapter.delAll(a as never);
    assert.equal(adapter.socketRooms('a'), undefined);
    assert.deepEqual([...adapter.rooms.keys()], ['r2']);
    assert.deepEqual([...adapter.rooms.get('r2')!], ['b']);
  });
});

describe("ClusterAdapter: socket.io-adapter's room events", () => {
  const record = (adapter: ClusterAdapter): string[] => {
    const events: string[] = [];
    for (const ev of ['create-room', 'join-room', 'leave-room', 'delete-room']) adapter.on(ev, (...a: string[]) => events.push([ev, ...a].join(' ')));
    return events;
  };

  it('are emitted as rooms are created, joined, left and emptied', () => {
    const { adapter, add } = setup();
    const events = record(adapter);
    const a = add('a', ['r1']);
    const b = add('b', ['r1']);
    adapter.del(a as never, 'r1');
    adapter.delAll(a as never);
    assert.deepEqual(events, ['create-room r1', 'join-room r1 a', 'join-room r1 b', 'leave-room r1 a']);
    adapter.delAll(b as never);
    assert.deepEqual(events.slice(4), ['leave-room r1 b', 'delete-room r1']);
  });

  it('are not emitted for a session moving between workers (notify false)', () => {
    const { adapter } = setup();
    const events = record(adapter);
    const a = new FakeSocket('a');
    adapter.addAll(a as never, ['r1', 'a'], false, false);
    adapter.delAll(a as never, false, false);
    assert.deepEqual(events, []);
    assert.equal(adapter.rooms.size, 0);
  });
});

describe('ClusterAdapter.select', () => {
  const three = () => {
    const t = setup();
    t.add('a', ['a', 'red']);
    t.add('b', ['b', 'red', 'blue']);
    t.add('c', ['c', 'blue']);
    return t;
  };

  it('no rooms: every socket of the namespace', () => {
    assert.deepEqual(ids(three().adapter.select([], [])), ['a', 'b', 'c']);
  });

  it('several rooms: their union, each socket once', () => {
    assert.deepEqual(ids(three().adapter.select(['red', 'blue'], [])), ['a', 'b', 'c']);
    assert.equal(three().adapter.select(['red', 'blue'], []).length, 3);
  });

  it('except removes the members of those rooms, from rooms or from everyone', () => {
    const { adapter } = three();
    assert.deepEqual(ids(adapter.select(['red'], ['blue'])), ['a']);
    assert.deepEqual(ids(adapter.select([], ['red'])), ['c']);
    assert.deepEqual(ids(adapter.select([], ['a', 'b', 'c'])), []);
  });

  it('unknown rooms select nobody', () => {
    assert.deepEqual(three().adapter.select(['nope'], []), []);
  });
});

describe('ClusterAdapter: broadcasts and room operations', () => {
  it('a broadcast is published once and delivered when the bus hands it back, to the selected sockets', () => {
    const { adapter, add, published, loop } = setup();
    const a = add('a', ['red']);
    const b = add('b', []);
    adapter.broadcast(event('news', 1), options(['red']));
    assert.equal(published.length, 1);
    assert.equal(a.written.length, 0, 'nothing before the bus delivers');
    loop();
    assert.deepEqual(
      a.written.map((w) => w.frames),
      [['2["news",1]']],
    );
    assert.equal(b.written.length, 0);
  });

  it('local: delivered at once, nothing published', () => {
    const { adapter, add, published } = setup();
    const a = add('a', []);
    adapter.broadcast(event('x'), options([], [], { local: true }));
    assert.equal(published.length, 0);
    assert.deepEqual(
      a.written.map((w) => w.frames),
      [['2["x"]']],
    );
  });

  it('every recipient gets the very same frames array (encoded once per entry)', () => {
    const { adapter, add, loop } = setup();
    const a = add('a', []);
    const b = add('b', []);
    adapter.broadcast(event('x', { big: 'y'.repeat(100) }), options());
    loop();
    assert.equal(a.written[0]!.frames, b.written[0]!.frames);
  });

  it('with recovery, sockets that can recover get the bus offset as the last argument; others and volatile ones do not', () => {
    const { adapter, add, loop } = setup({ recovery: true });
    const rec = add('rec', [], 'pid-1');
    const plain = add('plain', []);
    adapter.broadcast(event('news', 1), options());
    loop('1700000000000-3');
    assert.deepEqual(rec.written[0]!.frames, ['2["news",1,"1700000000000-3"]']);
    assert.equal(rec.written[0]!.offset, '1700000000000-3');
    assert.deepEqual(plain.written[0]!.frames, ['2["news",1]']);
    adapter.broadcast(event('v'), options([], [], { volatile: true }));
    loop('1700000000000-4');
    assert.deepEqual(rec.written[1]!.frames, ['2["v"]'], 'volatile packets carry no offset');
  });

  it('the offset goes into an empty argument list without a comma', () => {
    const { adapter } = setup({ recovery: true });
    assert.deepEqual(adapter.framesOf({ nsp: '/', rooms: [], except: [], volatile: false, head: '2', body: '[]', binary: [], reply: null }, '9-9'), [
      '2["9-9"]',
    ]);
  });

  it('binary attachments follow the text frame, for every recipient', () => {
    const { adapter, add, loop } = setup();
    const a = add('a', []);
    adapter.broadcast({ type: SioPacketType.BINARY_EVENT, nsp: '/', data: ['bin', new Uint8Array([7, 8])] }, options());
    loop();
    const [text, bin] = a.written[0]!.frames;
    assert.equal(text, '51-["bin",{"_placeholder":true,"num":0}]');
    assert.deepEqual([...(bin as Uint8Array)], [7, 8]);
  });

  it('a malformed bus entry is ignored', () => {
    const { adapter, add } = setup();
    const a = add('a', []);
    adapter.onBroadcast({ id: '1-0', kind: 'b', fields: ['/', 'not json', '', '', '2', '[]', ''], binary: [] });
    adapter.onBroadcast({ id: '1-0', kind: 'b', fields: ['/'], binary: [] });
    adapter.onOp({ id: '1-0', kind: 'o', fields: ['/', '', '', 'explode', '[]'], binary: [] });
    assert.equal(a.written.length, 0);
  });

  it('room operations reach the selected sockets: join, leave, disconnect, close', () => {
    const { adapter, add, loop } = setup();
    const a = add('a', ['red']);
    const b = add('b', ['blue']);
    adapter.applyOp(options(['red']), 'join', ['green', 'gold']);
    adapter.applyOp(options([], ['red']), 'leave', ['blue', 'x']);
    adapter.applyOp(options(['blue']), 'disconnect', []);
    adapter.applyOp(options(['red']), 'close', []);
    loop();
    assert.deepEqual(a.joined, [['green', 'gold']]);
    assert.deepEqual(b.joined, []);
    assert.deepEqual(b.left, ['blue', 'x']);
    assert.deepEqual(a.left, []);
    assert.deepEqual(b.disconnected, [false]);
    assert.deepEqual(a.disconnected, [true]);
  });

  it('a local room operation applies at once and publishes nothing', () => {
    const { adapter, add, published } = setup();
    const a = add('a', []);
    adapter.applyOp(options([], [], { local: true }), 'join', ['r']);
    assert.equal(published.length, 0);
    assert.deepEqual(a.joined, [['r']]);
  });
});
