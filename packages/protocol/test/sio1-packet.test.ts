import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DecodeError, decodeLegacyPacket, encodeLegacyPacket, LegacyDecodeError, type LegacyPacket } from '../src/index.js';
import { assertLegacyError } from './sio1-helpers.js';

/** Asserts the exact decoded object and that it encodes back to the same bytes. */
function roundTrip(wire: string, packet: LegacyPacket): void {
  assert.deepEqual(decodeLegacyPacket(wire), packet, wire);
  assert.equal(encodeLegacyPacket(packet), wire);
}

test('LegacyDecodeError is a DecodeError with a reason', () => {
  const e = new LegacyDecodeError('unknown-type', 'unknown legacy packet type "9"');
  assert.ok(e instanceof DecodeError);
  assert.ok(e instanceof LegacyDecodeError);
  assert.equal(e.name, 'LegacyDecodeError');
  assert.equal(e.reason, 'unknown-type');
  assert.equal(String(e), 'LegacyDecodeError: unknown legacy packet type "9"');
  assert.equal(new LegacyDecodeError('empty-packet').message, 'empty-packet');
});

// SPEC-NOTES §3, the "exact forms" column and the ack notes, in table order.
const SPEC_TABLE: [wire: string, packet: LegacyPacket][] = [
  ['0::', { type: 'disconnect', endpoint: '' }],
  ['0::/chat', { type: 'disconnect', endpoint: '/chat' }],
  ['1::', { type: 'connect', endpoint: '' }],
  ['1::/chat', { type: 'connect', endpoint: '/chat' }],
  ['1::/chat:?a=b', { type: 'connect', endpoint: '/chat', query: '?a=b' }],
  ['2::', { type: 'heartbeat', endpoint: '' }],
  ['3:::hello', { type: 'message', endpoint: '', data: 'hello' }],
  ['3::/chat:hello', { type: 'message', endpoint: '/chat', data: 'hello' }],
  ['3:1::hello', { type: 'message', endpoint: '', id: 1, data: 'hello' }],
  ['3::', { type: 'message', endpoint: '', data: '' }],
  ['4:::{"a":1}', { type: 'json', endpoint: '', data: { a: 1 } }],
  ['5:::{"name":"welcome","args":[{"nsp":""}]}', { type: 'event', endpoint: '', name: 'welcome', args: [{ nsp: '' }] }],
  ['5:1+::{"name":"echo","args":["a"]}', { type: 'event', endpoint: '', id: 1, dataAck: true, name: 'echo', args: ['a'] }],
  ['5:::{"name":"bye"}', { type: 'event', endpoint: '', name: 'bye', args: [] }],
  ['6:::1', { type: 'ack', endpoint: '', ackId: 1, args: [] }],
  ['6:::1+["a",{"b":1}]', { type: 'ack', endpoint: '', ackId: 1, args: ['a', { b: 1 }] }],
  ['6::/chat:1+["x"]', { type: 'ack', endpoint: '/chat', ackId: 1, args: ['x'] }],
  ['7:::1+0', { type: 'error', endpoint: '', reason: 'client not handshaken', advice: 'reconnect' }],
  ['7::/chat:2', { type: 'error', endpoint: '/chat', reason: 'unauthorized', advice: '' }],
  ['8::', { type: 'noop', endpoint: '' }],
  // The ack notes: the server asking, the client answering.
  ['5:1+::{"name":"question","args":["q-42"]}', { type: 'event', endpoint: '', id: 1, dataAck: true, name: 'question', args: ['q-42'] }],
  ['6:::1+["answer-42"]', { type: 'ack', endpoint: '', ackId: 1, args: ['answer-42'] }],
];

for (const [wire, packet] of SPEC_TABLE) {
  test(`SPEC §3: ${JSON.stringify(wire)} decodes and re-encodes byte-exact`, () => roundTrip(wire, packet));
}

test('every error reason and advice index maps to its name, both ways', () => {
  roundTrip('7:::0', { type: 'error', endpoint: '', reason: 'transport not supported', advice: '' });
  roundTrip('7:::1', { type: 'error', endpoint: '', reason: 'client not handshaken', advice: '' });
  roundTrip('7:::2+0', { type: 'error', endpoint: '', reason: 'unauthorized', advice: 'reconnect' });
  roundTrip('7:::+0', { type: 'error', endpoint: '', reason: '', advice: 'reconnect' });
  roundTrip('7::', { type: 'error', endpoint: '', reason: '', advice: '' });
});

test('unknown error indices and junk become "" instead of an error, like 0.9', () => {
  const none = { type: 'error', endpoint: '', reason: '', advice: '' };
  for (const s of ['7:::3', '7:::9+9', '7:::x', '7:::01', '7:::constructor', '7:::__proto__+length', '7:::', '7::: 1']) {
    assert.deepEqual(decodeLegacyPacket(s), none, s);
  }
  assert.deepEqual(decodeLegacyPacket('7:::1+7'), { type: 'error', endpoint: '', reason: 'client not handshaken', advice: '' });
  assert.deepEqual(decodeLegacyPacket('7:::5+0'), { type: 'error', endpoint: '', reason: '', advice: 'reconnect' });
  assert.deepEqual(decodeLegacyPacket('7:::1+0+0'), { type: 'error', endpoint: '', reason: 'client not handshaken', advice: '' });
});

test('message data is raw text: colons, newlines, U+FFFD, U+2028 and astral characters survive', () => {
  for (const data of [':', '::', 'a:b::c:', '\n\r\n', '\ufffd5\ufffd', 'x\u2028y\u2029', '😀中é', ' ', '{"name":"x"}']) {
    roundTrip(`3:::${data}`, { type: 'message', endpoint: '', data });
    roundTrip(`3:7:/chat:${data}`, { type: 'message', endpoint: '/chat', id: 7, data });
  }
  // A leading ':' in the data of an empty endpoint is the 4th colon.
  roundTrip('3::::x', { type: 'message', endpoint: '', data: ':x' });
});

test('ids: "+" marks a data ack on message, json and event; leading zeros and 15 digits are fine', () => {
  roundTrip('3:12+::hi', { type: 'message', endpoint: '', id: 12, dataAck: true, data: 'hi' });
  roundTrip('4:3:/x:[1,2]', { type: 'json', endpoint: '/x', id: 3, data: [1, 2] });
  roundTrip('4:3+::null', { type: 'json', endpoint: '', id: 3, dataAck: true, data: null });
  roundTrip('5:0::{"name":"zero"}', { type: 'event', endpoint: '', id: 0, name: 'zero', args: [] });
  roundTrip('5:999999999999999+::{"name":"big"}', { type: 'event', endpoint: '', id: 999_999_999_999_999, dataAck: true, name: 'big', args: [] });
  assert.deepEqual(decodeLegacyPacket('3:007::x'), { type: 'message', endpoint: '', id: 7, data: 'x' });
  roundTrip('6:::999999999999999', { type: 'ack', endpoint: '', ackId: 999_999_999_999_999, args: [] });
});

test('U+2028/U+2029 inside ack arguments are kept (0.9 dropped them: its "." stops there)', () => {
  roundTrip('6:::4+["a\u2028b","\u2029"]', { type: 'ack', endpoint: '', ackId: 4, args: ['a\u2028b', '\u2029'] });
  roundTrip('6:::4+["line\\nbreak"]', { type: 'ack', endpoint: '', ackId: 4, args: ['line\nbreak'] });
});

test('lenient forms 0.9 also reads the same way decode to their canonical packet', () => {
  const cases: [string, LegacyPacket, string][] = [
    ['3:::', { type: 'message', endpoint: '', data: '' }, '3::'],
    ['1::/chat:', { type: 'connect', endpoint: '/chat' }, '1::/chat'],
    ['0:::', { type: 'disconnect', endpoint: '' }, '0::'],
    ['2::/chat:', { type: 'heartbeat', endpoint: '/chat' }, '2::/chat'],
    ['6:::1+[]', { type: 'ack', endpoint: '', ackId: 1, args: [] }, '6:::1'],
    ['6:::01', { type: 'ack', endpoint: '', ackId: 1, args: [] }, '6:::1'],
    ['5:::{"name":"e","args":[]}', { type: 'event', endpoint: '', name: 'e', args: [] }, '5:::{"name":"e"}'],
    ['5:::{"args":[1],"name":"e","extra":true}', { type: 'event', endpoint: '', name: 'e', args: [1] }, '5:::{"name":"e","args":[1]}'],
    ['4::: {"a" : 1} ', { type: 'json', endpoint: '', data: { a: 1 } }, '4:::{"a":1}'],
    // SPEC §3: the written spec's `1::/chat?a=b` keeps the query in the endpoint, as in 0.9.
    ['1::/chat?a=b', { type: 'connect', endpoint: '/chat?a=b' }, '1::/chat?a=b'],
  ];
  for (const [wire, packet, canonical] of cases) {
    assert.deepEqual(decodeLegacyPacket(wire), packet, wire);
    assert.equal(encodeLegacyPacket(packet), canonical);
  }
});

test('connect queries are verbatim and may contain ":"', () => {
  roundTrip('1:::?t=1:2&x=%3A', { type: 'connect', endpoint: '', query: '?t=1:2&x=%3A' });
  roundTrip('1::/chat:a', { type: 'connect', endpoint: '/chat', query: 'a' });
  assert.equal(encodeLegacyPacket({ type: 'connect', endpoint: '/chat', query: '' }), '1::/chat');
});

test('JSON values of every kind, in json packets and as event/ack arguments', () => {
  const values: unknown[] = [null, true, false, 0, -1.5, 1e21, '', 'é😀\ufffd\u2028', [], {}, [[[]]], { '': { a: [null] } }];
  for (const v of values) {
    const s = JSON.stringify(v);
    roundTrip(`4:::${s}`, { type: 'json', endpoint: '', data: v });
    roundTrip(`5:::{"name":"v","args":[${s}]}`, { type: 'event', endpoint: '', name: 'v', args: [v] });
    roundTrip(`6:::2+[${s}]`, { type: 'ack', endpoint: '', ackId: 2, args: [v] });
  }
  // Buffers go out as their toJSON form; they come back as that plain object.
  assert.equal(encodeLegacyPacket({ type: 'json', endpoint: '', data: Buffer.from([1, 2]) }), '4:::{"type":"Buffer","data":[1,2]}');
  assert.equal(encodeLegacyPacket({ type: 'event', endpoint: '', name: 'u', args: [undefined] }), '5:::{"name":"u","args":[null]}');
});

test('decoder refuses what is not a protocol-1 packet, with a LegacyDecodeError reason', () => {
  const cases: [string, string][] = [
    ['', 'empty-packet'],
    ['9::', 'unknown-type'],
    ['9', 'unknown-type'],
    ['x::', 'unknown-type'],
    ['10::', 'unknown-type'],
    [':::', 'unknown-type'],
    ['a3::', 'unknown-type'],
    ['\u0663::', 'unknown-type'],
    ['3', 'missing-separator'],
    ['3:', 'missing-separator'],
    ['5:1+', 'missing-separator'],
    ['3:+::x', 'invalid-id'],
    ['3:a::x', 'invalid-id'],
    ['3:1++::x', 'invalid-id'],
    ['3:-1::x', 'invalid-id'],
    ['3: 1::x', 'invalid-id'],
    ['3:1e3::x', 'invalid-id'],
    ['3:1234567890123456::x', 'invalid-id'],
    ['0:1::', 'unexpected-id'],
    ['1:1::/chat', 'unexpected-id'],
    ['2:1+::', 'unexpected-id'],
    ['6:1::1', 'unexpected-id'],
    ['7:1:::1', 'unexpected-id'],
    ['8:1::', 'unexpected-id'],
    ['0:::x', 'unexpected-data'],
    ['2:::ping', 'unexpected-data'],
    ['8::/chat:x', 'unexpected-data'],
    ['4::', 'invalid-json'],
    ['4:::', 'invalid-json'],
    ['4:::{', 'invalid-json'],
    ['4:::undefined', 'invalid-json'],
    ['5::', 'invalid-json'],
    ['5:::{"name":"x"', 'invalid-json'],
    ['5:::"bye"', 'invalid-event'],
    ['5:::null', 'invalid-event'],
    ['5:::["bye"]', 'invalid-event'],
    ['5:::{}', 'invalid-event'],
    ['5:::{"name":1}', 'invalid-event'],
    ['5:::{"name":"x","args":{}}', 'invalid-event'],
    ['5:::{"name":"x","args":null}', 'invalid-event'],
    ['5:::{"name":"x","args":"a"}', 'invalid-event'],
    ['6::', 'invalid-ack'],
    ['6:::', 'invalid-ack'],
    ['6:::+["a"]', 'invalid-ack'],
    ['6:::x', 'invalid-ack'],
    ['6:::1["a"]', 'invalid-ack'],
    ['6:::1 ', 'invalid-ack'],
    ['6:::1234567890123456', 'invalid-ack'],
    ['6:::1+{"a":1}', 'invalid-ack'],
    ['6:::1+"a"', 'invalid-ack'],
    ['6:::1+', 'invalid-json'],
    ['6:::1+[', 'invalid-json'],
  ];
  for (const [wire, reason] of cases) assertLegacyError(() => decodeLegacyPacket(wire), reason);
});

test('decoder refuses non-strings with a LegacyDecodeError, not a TypeError', () => {
  for (const v of [undefined, null, 3, {}, Buffer.from('2::')]) {
    assertLegacyError(() => decodeLegacyPacket(v as string), 'invalid-packet');
  }
});

test('encoder throws TypeError for packets that cannot exist', () => {
  const bad: unknown[] = [
    { type: 'message', endpoint: '/a:b', data: 'x' },
    { type: 'heartbeat', endpoint: ':' },
    { type: 'noop', endpoint: 3 },
    { type: 'message', endpoint: '', id: 1.5, data: 'x' },
    { type: 'message', endpoint: '', id: -1, data: 'x' },
    { type: 'message', endpoint: '', id: Number.NaN, data: 'x' },
    { type: 'message', endpoint: '', id: 1e15, data: 'x' },
    { type: 'message', endpoint: '', dataAck: true, data: 'x' },
    { type: 'message', endpoint: '', data: 5 },
    { type: 'json', endpoint: '', data: undefined },
    { type: 'json', endpoint: '', data: () => 1 },
    { type: 'json', endpoint: '', data: 1n },
    { type: 'event', endpoint: '', name: 5, args: [] },
    { type: 'event', endpoint: '', name: 'x', args: 'a' },
    { type: 'event', endpoint: '', name: 'x', args: [1n] },
    { type: 'ack', endpoint: '', ackId: '1', args: [] },
    { type: 'ack', endpoint: '', ackId: 1, args: null },
    { type: 'error', endpoint: '', reason: 'nope', advice: '' },
    { type: 'error', endpoint: '', reason: '', advice: 'retry' },
    { type: 'connect', endpoint: '', query: 1 },
    { type: 'upgrade', endpoint: '' },
  ];
  const cyclic: unknown[] = [];
  cyclic.push(cyclic);
  bad.push({ type: 'json', endpoint: '', data: cyclic });
  bad.forEach((p, i) => assert.throws(() => encodeLegacyPacket(p as LegacyPacket), TypeError, `case ${i}`));
});

test('encoder: dataAck false is the same as no dataAck; ids without dataAck get no "+"', () => {
  assert.equal(encodeLegacyPacket({ type: 'message', endpoint: '', dataAck: false, data: 'x' }), '3:::x');
  assert.equal(encodeLegacyPacket({ type: 'message', endpoint: '', id: 2, dataAck: false, data: 'x' }), '3:2::x');
  assert.equal(encodeLegacyPacket({ type: 'event', endpoint: '/n', id: 0, name: 'e', args: [] }), '5:0:/n:{"name":"e"}');
});
