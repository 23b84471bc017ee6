import assert from 'node:assert/strict';
import { test } from 'node:test';
import vm from 'node:vm';
import { decodeSio06Message, decodeSio06Payload, encodeSio06Frame, encodeSio06Message, sio06TextOf, type Sio06Message } from '../src/index.js';
import { assertSio06Error } from './sio06-helpers.js';

test('the prefix decides the kind: ~h~ heartbeat, ~j~ JSON, anything else text', () => {
  assert.deepEqual(decodeSio06Message('~h~1'), { kind: 'heartbeat', n: '1' });
  assert.deepEqual(decodeSio06Message('~h~10'), { kind: 'heartbeat', n: '10' });
  assert.deepEqual(decodeSio06Message('~h~007'), { kind: 'heartbeat', n: '007' }); // kept as text, zeros and all
  assert.deepEqual(decodeSio06Message('~j~{"a":1}'), { kind: 'json', data: { a: 1 } });
  assert.deepEqual(decodeSio06Message('~j~[1,2]'), { kind: 'json', data: [1, 2] }); // a peer may send an array as JSON
  assert.deepEqual(decodeSio06Message('~j~"s"'), { kind: 'json', data: 's' });
  assert.deepEqual(decodeSio06Message('~j~null'), { kind: 'json', data: null });
  assert.deepEqual(decodeSio06Message('~j~ 42 '), { kind: 'json', data: 42 });
  assert.deepEqual(decodeSio06Message('welcome'), { kind: 'text', data: 'welcome' });
  assert.deepEqual(decodeSio06Message(''), { kind: 'text', data: '' });
  assert.deepEqual(decodeSio06Message('1835415385699577'), { kind: 'text', data: '1835415385699577' }); // a session id
});

test('only the exact lowercase prefixes at the very start count', () => {
  for (const s of ['~H~1', '~J~{}', ' ~h~1', '~h1', '~j{}', 'x~h~1', 'x~j~{}', '~m~3~m~abc', '~h', '~j', '~']) {
    assert.deepEqual(decodeSio06Message(s), { kind: 'text', data: s });
  }
});

test('strict where 0.6 was lenient: bad JSON is an error (0.6 made it {}), so is a non-digit heartbeat', () => {
  for (const s of ['~j~', '~j~{', '~j~{a:1}', "~j~'x'", '~j~undefined', '~j~{}x', '~j~NaN', '~j~\ud800']) {
    assertSio06Error(() => decodeSio06Message(s), 'invalid-json');
  }
  for (const s of ['~h~', '~h~x', '~h~1x', '~h~ 1', '~h~1 ', '~h~-1', '~h~+1', '~h~1.0', '~h~１', '~h~~h~1', '~h~1\n']) {
    assertSio06Error(() => decodeSio06Message(s), 'invalid-heartbeat');
  }
  assertSio06Error(() => decodeSio06Message(42 as unknown as string), 'invalid-message');
  assertSio06Error(() => decodeSio06Message(null as unknown as string), 'invalid-message');
});

test('JSON keys like __proto__ stay plain own data', () => {
  const m = decodeSio06Message('~j~{"__proto__":{"polluted":true}}');
  assert.equal(m.kind, 'json');
  assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  assert.deepEqual(Object.keys((m as { data: object }).data), ['__proto__']);
});

test('encoding: text as is, json as ~j~ + JSON.stringify, heartbeat as ~h~ + n', () => {
  assert.equal(encodeSio06Message({ kind: 'text', data: 'welcome' }), 'welcome');
  assert.equal(encodeSio06Message({ kind: 'text', data: '' }), '');
  assert.equal(encodeSio06Message({ kind: 'json', data: { echo: { n: 42 } } }), '~j~{"echo":{"n":42}}');
  assert.equal(encodeSio06Message({ kind: 'json', data: [1, 'two'] }), '~j~[1,"two"]');
  assert.equal(encodeSio06Message({ kind: 'json', data: null }), '~j~null');
  assert.equal(encodeSio06Message({ kind: 'heartbeat', n: '1' }), '~h~1');
  assert.equal(encodeSio06Frame(encodeSio06Message({ kind: 'heartbeat', n: '1' })), '~m~4~m~~h~1');
  assert.equal(encodeSio06Frame(encodeSio06Message({ kind: 'heartbeat', n: '10' })), '~m~5~m~~h~10');
});

test('a text that starts with ~j~ or ~h~ has no escape in 0.6: it reads back as JSON / heartbeat', () => {
  assert.deepEqual(decodeSio06Message(encodeSio06Message({ kind: 'text', data: '~j~{}' })), { kind: 'json', data: {} });
  assert.deepEqual(decodeSio06Message(encodeSio06Message({ kind: 'text', data: '~h~3' })), { kind: 'heartbeat', n: '3' });
});

test('impossible messages are a TypeError, not a silently different message', () => {
  const bad: unknown[] = [
    { kind: 'heartbeat', n: '' },
    { kind: 'heartbeat', n: 'x' },
    { kind: 'heartbeat', n: 1 },
    { kind: 'heartbeat', n: '1 ' },
    { kind: 'text', data: 1 },
    { kind: 'json', data: undefined },
    { kind: 'json', data: () => 1 },
    { kind: 'json', data: 1n },
    { kind: 'json', data: { toJSON: () => undefined } },
    { kind: 'binary', data: '' },
  ];
  const cyclic: Record<string, unknown> = {};
  cyclic['self'] = cyclic;
  bad.push({ kind: 'json', data: cyclic });
  bad.forEach((m, i) => assert.throws(() => encodeSio06Message(m as Sio06Message), TypeError, `case ${i}`));
});

test('sio06TextOf: a plain object is ~j~ + JSON', () => {
  assert.equal(sio06TextOf({ a: 1 }), '~j~{"a":1}');
  assert.equal(sio06TextOf({}), '~j~{}');
  assert.equal(sio06TextOf({ nested: { k: 'v:~m~3~m~' } }), '~j~{"nested":{"k":"v:~m~3~m~"}}');
  assert.equal(sio06TextOf(Object.create(null) as object), '~j~{}');
  class Point {
    constructor(readonly x: number) {}
  }
  assert.equal(sio06TextOf(new Point(1)), '~j~{"x":1}'); // toString tag is [object Object] too
  assert.equal(sio06TextOf(vm.runInNewContext('({ a: [1] })') as object), '~j~{"a":[1]}'); // another realm's object
  assert.equal(sio06TextOf({ toJSON: () => 'j' }), '~j~"j"');
});

test('sio06TextOf: everything else is String(value), null and undefined the empty message', () => {
  assert.equal(sio06TextOf(null), '');
  assert.equal(sio06TextOf(undefined), '');
  assert.equal(encodeSio06Frame(sio06TextOf(null)), '~m~0~m~');
  assert.equal(encodeSio06Frame(sio06TextOf(undefined)), '~m~0~m~');
  assert.equal(sio06TextOf('hello'), 'hello');
  assert.equal(sio06TextOf(''), '');
  assert.equal(sio06TextOf([1, 2]), '1,2'); // an array is sent as TEXT
  assert.equal(sio06TextOf([]), '');
  assert.equal(sio06TextOf([{ a: 1 }]), '[object Object]');
  assert.equal(sio06TextOf(42), '42');
  assert.equal(sio06TextOf(1.5), '1.5');
  assert.equal(sio06TextOf(-0), '0');
  assert.equal(sio06TextOf(NaN), 'NaN');
  assert.equal(sio06TextOf(true), 'true');
  assert.equal(sio06TextOf(10n), '10');
  assert.equal(sio06TextOf(Symbol('s')), 'Symbol(s)');
  assert.equal(sio06TextOf(new Date(0)), String(new Date(0)));
  assert.equal(sio06TextOf(new Map()), '[object Map]');
  assert.equal(sio06TextOf(/x/g), '/x/g');
  assert.equal(sio06TextOf(new String('boxed')), 'boxed');
  const f = function f(): void {};
  assert.equal(sio06TextOf(f), String(f));
  assert.equal(sio06TextOf({ [Symbol.toStringTag]: 'Custom' }), '[object Custom]');
});

test('sio06TextOf: objects JSON cannot express are a TypeError', () => {
  const cyclic: Record<string, unknown> = {};
  cyclic['self'] = cyclic;
  assert.throws(() => sio06TextOf(cyclic), TypeError);
  assert.throws(() => sio06TextOf({ n: 1n }), TypeError);
  assert.throws(() => sio06TextOf({ toJSON: () => undefined }), TypeError);
});

test('what sio06TextOf sends reads back as the same kind of value', () => {
  const [json] = decodeSio06Payload(encodeSio06Frame(sio06TextOf({ s: 'héllo 😀', n: 42 })));
  assert.deepEqual(decodeSio06Message(json as string), { kind: 'json', data: { s: 'héllo 😀', n: 42 } });
  const [arr] = decodeSio06Payload(encodeSio06Frame(sio06TextOf([1, 2])));
  assert.deepEqual(decodeSio06Message(arr as string), { kind: 'text', data: '1,2' });
});
