import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { encodeSioPacket, SioPacketType, type SioPacket } from '../src/index.js';
import { bytes } from './helpers.js';

const { CONNECT, DISCONNECT, EVENT, ACK, CONNECT_ERROR, BINARY_EVENT, BINARY_ACK } = SioPacketType;

describe('Socket.IO packet encoding', () => {
  test('packet type codes', () => {
    assert.deepEqual(SioPacketType, { CONNECT: 0, DISCONNECT: 1, EVENT: 2, ACK: 3, CONNECT_ERROR: 4, BINARY_EVENT: 5, BINARY_ACK: 6 });
  });

  test('protocol documentation vectors', () => {
    const cases: [SioPacket, string][] = [
      [{ type: CONNECT, nsp: '/' }, '0'],
      [{ type: CONNECT, nsp: '/', data: { sid: 'oSO0OpakMV_3jnilAAAA' } }, '0{"sid":"oSO0OpakMV_3jnilAAAA"}'],
      [{ type: CONNECT, nsp: '/admin', data: { sid: 'oSO0OpakMV_3jnilAAAA' } }, '0/admin,{"sid":"oSO0OpakMV_3jnilAAAA"}'],
      [{ type: CONNECT, nsp: '/admin', data: { token: '123' } }, '0/admin,{"token":"123"}'],
      [{ type: DISCONNECT, nsp: '/admin' }, '1/admin,'],
      [{ type: DISCONNECT, nsp: '/' }, '1'],
      [{ type: EVENT, nsp: '/', data: ['foo'] }, '2["foo"]'],
      [{ type: EVENT, nsp: '/admin', data: ['bar'] }, '2/admin,["bar"]'],
      [{ type: EVENT, nsp: '/', id: 12, data: ['foo'] }, '212["foo"]'],
      [{ type: ACK, nsp: '/admin', id: 13, data: ['bar'] }, '3/admin,13["bar"]'],
      [{ type: ACK, nsp: '/', id: 0, data: [] }, '30[]'],
      [{ type: CONNECT_ERROR, nsp: '/', data: { message: 'Not authorized' } }, '4{"message":"Not authorized"}'],
      [{ type: CONNECT_ERROR, nsp: '/chat', data: 'Invalid namespace' }, '4/chat,"Invalid namespace"'],
    ];
    for (const [packet, frame] of cases) {
      assert.deepEqual(encodeSioPacket(packet), [frame]);
      assert.deepEqual(encodeSioPacket(packet, 5), [frame]);
      assert.deepEqual(encodeSioPacket(packet, 4), [frame]);
    }
  });

  test('binary event and ack (documentation vectors)', () => {
    assert.deepEqual(encodeSioPacket({ type: EVENT, nsp: '/', data: ['baz', bytes(1, 2, 3, 4)] }), [
      '51-["baz",{"_placeholder":true,"num":0}]',
      bytes(1, 2, 3, 4),
    ]);
    assert.deepEqual(encodeSioPacket({ type: ACK, nsp: '/admin', id: 15, data: [bytes(3, 2, 1)] }), [
      '61-/admin,15[{"_placeholder":true,"num":0}]',
      bytes(3, 2, 1),
    ]);
  });

  test('attachments are numbered in walk order: arrays by index, objects by own key order', () => {
    const [text, ...frames] = encodeSioPacket({
      type: EVENT,
      nsp: '/',
      data: ['e', { b: bytes(1), a: [bytes(2), { c: bytes(3) }] }, bytes(4)],
    });
    assert.equal(
      text,
      '54-["e",{"b":{"_placeholder":true,"num":0},"a":[{"_placeholder":true,"num":1},{"c":{"_placeholder":true,"num":2}}]},{"_placeholder":true,"num":3}]',
    );
    assert.deepEqual(frames, [bytes(1), bytes(2), bytes(3), bytes(4)]);
  });

  test('attachment frames are the caller’s bytes, not copies; other views become Uint8Array views', () => {
    const buf = bytes(1, 2);
    const backing = new Uint8Array([9, 1, 2, 9]);
    const view = backing.subarray(1, 3);
    const ab = new Uint8Array([5, 6]).buffer;
    const f32 = new Float32Array([1]);
    const dv = new DataView(backing.buffer, 2, 2);
    const [, a, b, c, d, e] = encodeSioPacket({ type: EVENT, nsp: '/', data: ['x', buf, view, ab, f32, dv] });
    assert.equal(a, buf);
    assert.equal(b, view);
    assert.ok(c instanceof Uint8Array && c.buffer === ab && c.length === 2);
    assert.ok(d instanceof Uint8Array && d.buffer === f32.buffer && d.byteLength === 4);
    assert.ok(e instanceof Uint8Array && e.buffer === backing.buffer && e.byteOffset === 2 && e.byteLength === 2);
    assert.deepEqual([...e], [2, 9]);
  });

  test('the caller’s data is not modified by binary encoding', () => {
    const data = ['x', { blob: bytes(1) }, [bytes(2)]];
    const before = [...data];
    encodeSioPacket({ type: EVENT, nsp: '/', data });
    assert.deepEqual(data, before);
    assert.ok(Buffer.isBuffer((data[1] as { blob: unknown }).blob));
  });

  test('EVENT/ACK become BINARY_* only when there is binary; BINARY_* without binary is sent plain', () => {
    assert.deepEqual(encodeSioPacket({ type: BINARY_EVENT, nsp: '/', data: ['a'] }), ['2["a"]']);
    assert.deepEqual(encodeSioPacket({ type: BINARY_ACK, nsp: '/', id: 1, data: [] }), ['31[]']);
    assert.deepEqual(encodeSioPacket({ type: BINARY_EVENT, nsp: '/', data: ['a', bytes()] }), ['51-["a",{"_placeholder":true,"num":0}]', bytes()]);
  });

  test('binaries outside EVENT/ACK are plain JSON, as in the reference', () => {
    assert.deepEqual(encodeSioPacket({ type: CONNECT, nsp: '/', data: { key: bytes(1) } }), ['0{"key":{"type":"Buffer","data":[1]}}']);
  });

  test('toJSON is honoured when looking for binaries, Dates serialise as strings', () => {
    const withBinary = { toJSON: () => ({ raw: bytes(7) }) };
    assert.deepEqual(encodeSioPacket({ type: EVENT, nsp: '/', data: ['t', withBinary] }), ['51-["t",{"raw":{"_placeholder":true,"num":0}}]', bytes(7)]);
    const date = new Date(0);
    assert.deepEqual(encodeSioPacket({ type: EVENT, nsp: '/', data: ['t', date, bytes(1)] }), [
      '51-["t","1970-01-01T00:00:00.000Z",{"_placeholder":true,"num":0}]',
      bytes(1),
    ]);
  });

  test('own "__proto__" keys are kept as data in binary packets', () => {
    const obj = JSON.parse('{"__proto__":{"x":1}}') as object;
    Object.defineProperty(obj, 'b', { value: bytes(1), enumerable: true });
    const [text] = encodeSioPacket({ type: EVENT, nsp: '/', data: ['p', obj] });
    assert.equal(text, '51-["p",{"__proto__":{"x":1},"b":{"_placeholder":true,"num":0}}]');
  });

  test('namespaces: "/" omitted, others followed by ","; any characters but ","', () => {
    assert.deepEqual(encodeSioPacket({ type: EVENT, nsp: '/a b/€?x=1', data: ['e'] }), ['2/a b/€?x=1,["e"]']);
    assert.deepEqual(encodeSioPacket({ type: CONNECT, nsp: '/x?y' }, 5), ['0/x?y,']);
    assert.deepEqual(encodeSioPacket({ type: CONNECT, nsp: '//' }), ['0//,']);
  });

  test('revision 4 CONNECT writes the query after the namespace', () => {
    assert.deepEqual(encodeSioPacket({ type: CONNECT, nsp: '/chat', query: 'token=1&a=%2C' }, 4), ['0/chat?token=1&a=%2C,']);
    assert.deepEqual(encodeSioPacket({ type: CONNECT, nsp: '/', query: 'x' }, 4), ['0/?x,']);
    assert.deepEqual(encodeSioPacket({ type: CONNECT, nsp: '/chat', query: '' }, 4), ['0/chat?,']);
    // Only CONNECTs are query-aware in revision 4, so "?" is fine elsewhere.
    assert.deepEqual(encodeSioPacket({ type: EVENT, nsp: '/chat?x', data: ['e'] }, 4), ['2/chat?x,["e"]']);
  });

  test('large ack ids and non-ASCII data', () => {
    assert.deepEqual(encodeSioPacket({ type: ACK, nsp: '/', id: Number.MAX_SAFE_INTEGER, data: ['€😀\u2028'] }), ['39007199254740991["€😀\u2028"]']);
    assert.deepEqual(encodeSioPacket({ type: EVENT, nsp: '/', data: ['\uD800'] }), ['2["\\ud800"]']);
  });

  test('numeric event names are allowed, as in socket.io-parser 4.2', () => {
    assert.deepEqual(encodeSioPacket({ type: EVENT, nsp: '/', data: [42, 'x'] }), ['2[42,"x"]']);
  });

  describe('caller bugs are TypeErrors', () => {
    const bad: [string, SioPacket, (4 | 5)?][] = [
      ['unknown type 7', { type: 7 as never, nsp: '/' }],
      ['type as string', { type: '2' as never, nsp: '/', data: ['a'] }],
      ['fractional type', { type: 1.5 as never, nsp: '/' }],
      ['namespace without "/"', { type: EVENT, nsp: 'chat', data: ['a'] }],
      ['empty namespace', { type: EVENT, nsp: '', data: ['a'] }],
      ['namespace with ","', { type: EVENT, nsp: '/a,b', data: ['a'] }],
      ['namespace not a string', { type: EVENT, nsp: undefined as never, data: ['a'] }],
      ['negative ack id', { type: ACK, nsp: '/', id: -1, data: [] }],
      ['fractional ack id', { type: ACK, nsp: '/', id: 1.5, data: [] }],
      ['unsafe ack id', { type: ACK, nsp: '/', id: 2 ** 53, data: [] }],
      ['NaN ack id', { type: EVENT, nsp: '/', id: NaN, data: ['a'] }],
      ['event without data', { type: EVENT, nsp: '/' }],
      ['event with empty array', { type: EVENT, nsp: '/', data: [] }],
      ['event not an array', { type: EVENT, nsp: '/', data: 'a' }],
      ['event name an object', { type: EVENT, nsp: '/', data: [{}] }],
      ['event name null', { type: EVENT, nsp: '/', data: [null] }],
      ['event name NaN', { type: EVENT, nsp: '/', data: [NaN] }],
      ['event name Infinity', { type: EVENT, nsp: '/', data: [Infinity] }],
      ['reserved event name', { type: EVENT, nsp: '/', data: ['disconnect'] }],
      ['reserved event name (binary)', { type: BINARY_EVENT, nsp: '/', data: ['newListener', bytes(1)] }],
      ['ack not an array', { type: ACK, nsp: '/', id: 1, data: {} }],
      ['ack without data', { type: ACK, nsp: '/', id: 1 }],
      ['connect with array data', { type: CONNECT, nsp: '/', data: [] }],
      ['connect with null data', { type: CONNECT, nsp: '/', data: null }],
      ['connect with string data', { type: CONNECT, nsp: '/', data: 'x' }],
      ['disconnect with data', { type: DISCONNECT, nsp: '/', data: {} }],
      ['connect error without data', { type: CONNECT_ERROR, nsp: '/' }],
      ['connect error with a number', { type: CONNECT_ERROR, nsp: '/', data: 1 }],
      ['query in revision 5', { type: CONNECT, nsp: '/chat', query: 'a=1' }, 5],
      ['query on an event', { type: EVENT, nsp: '/chat', query: 'a=1', data: ['a'] }, 4],
      ['query with ","', { type: CONNECT, nsp: '/chat', query: 'a=1,2' }, 4],
      ['revision 4 connect namespace with "?"', { type: CONNECT, nsp: '/chat?a=1' }, 4],
      ['data that serialises to nothing', { type: CONNECT, nsp: '/', data: { toJSON: () => undefined } }],
    ];
    for (const [name, packet, revision] of bad) {
      test(name, () => {
        assert.throws(() => encodeSioPacket(packet, revision), TypeError);
      });
    }
    test('JSON.stringify errors propagate (BigInt: TypeError); cycles throw too', () => {
      assert.throws(() => encodeSioPacket({ type: EVENT, nsp: '/', data: ['b', 1n] }), TypeError);
      // The binary search recurses like the reference's, so a cycle ends in
      // RangeError rather than JSON.stringify's TypeError; either way it throws.
      const cyclic: unknown[] = ['c'];
      cyclic.push(cyclic);
      assert.throws(() => encodeSioPacket({ type: EVENT, nsp: '/', data: cyclic }));
    });
  });
});
