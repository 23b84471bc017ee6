import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SioDecoder, SioPacketType, type SioPacket, type SioRevision } from '../src/index.js';
import { assertRejected, assertSioError, decode } from './sio-helpers.js';

const { CONNECT, DISCONNECT, EVENT, ACK, CONNECT_ERROR } = SioPacketType;
const BOTH: SioRevision[] = [4, 5];

describe('Socket.IO text packet decoding, both revisions', () => {
  test('protocol documentation vectors', () => {
    const cases: [string, SioPacket][] = [
      ['0', { type: CONNECT, nsp: '/' }],
      ['0{"sid":"oSO0OpakMV_3jnilAAAA"}', { type: CONNECT, nsp: '/', data: { sid: 'oSO0OpakMV_3jnilAAAA' } }],
      ['0/admin,{"token":"123"}', { type: CONNECT, nsp: '/admin', data: { token: '123' } }],
      ['0/admin,', { type: CONNECT, nsp: '/admin' }],
      ['1/admin,', { type: DISCONNECT, nsp: '/admin' }],
      ['1', { type: DISCONNECT, nsp: '/' }],
      ['2["foo"]', { type: EVENT, nsp: '/', data: ['foo'] }],
      ['2/admin,["bar"]', { type: EVENT, nsp: '/admin', data: ['bar'] }],
      ['212["foo"]', { type: EVENT, nsp: '/', id: 12, data: ['foo'] }],
      ['3/admin,13["bar"]', { type: ACK, nsp: '/admin', id: 13, data: ['bar'] }],
      ['30[]', { type: ACK, nsp: '/', id: 0, data: [] }],
      ['4{"message":"Not authorized"}', { type: CONNECT_ERROR, nsp: '/', data: { message: 'Not authorized' } }],
      ['4/chat,"Invalid namespace"', { type: CONNECT_ERROR, nsp: '/chat', data: 'Invalid namespace' }],
    ];
    for (const revision of BOTH) {
      for (const [frame, packet] of cases) assert.deepEqual(decode(frame, revision), packet, frame);
    }
  });

  test('absent keys are absent, not undefined', () => {
    const p = decode('0');
    assert.deepEqual(Object.keys(p), ['type', 'nsp']);
    assert.deepEqual(Object.keys(decode('212["a"]')).sort(), ['data', 'id', 'nsp', 'type']);
  });

  test('the namespace runs to the first "," or to the end of the frame', () => {
    assert.deepEqual(decode('0/chat'), { type: CONNECT, nsp: '/chat' });
    assert.deepEqual(decode('1/chat'), { type: DISCONNECT, nsp: '/chat' });
    assert.deepEqual(decode('2/a b/€ "x",["e"]'), { type: EVENT, nsp: '/a b/€ "x"', data: ['e'] });
    assert.deepEqual(decode('2/,["e"]'), { type: EVENT, nsp: '/', data: ['e'] });
    assert.deepEqual(decode('2//,["e"]'), { type: EVENT, nsp: '//', data: ['e'] });
    assert.deepEqual(decode('2/a,1["e"]'), { type: EVENT, nsp: '/a', id: 1, data: ['e'] });
    // The first "," ends it, so what follows a second one is the data.
    assertRejected('2/a,b,["e"]', 'invalid-json');
  });

  test('a namespace must start with "/" right after the type', () => {
    assertRejected('2chat,["e"]', 'invalid-json');
    assertRejected('0chat,', 'invalid-json');
  });

  test('ack ids: the run of digits after the namespace; leading zeros allowed; up to 2^53-1', () => {
    assert.deepEqual(decode('2007["e"]'), { type: EVENT, nsp: '/', id: 7, data: ['e'] });
    assert.deepEqual(decode('39007199254740991[]'), { type: ACK, nsp: '/', id: Number.MAX_SAFE_INTEGER, data: [] });
    assert.deepEqual(decode('2/x,0["e"]'), { type: EVENT, nsp: '/x', id: 0, data: ['e'] });
    assertRejected('39007199254740992[]', 'invalid-ack-id');
    assertRejected('3123456789012345678901234567890[]', 'invalid-ack-id');
  });

  test('ack ids on other packet types are kept, as the reference does', () => {
    assert.deepEqual(decode('05{}'), { type: CONNECT, nsp: '/', id: 5, data: {} });
    assert.deepEqual(decode('1/x,3'), { type: DISCONNECT, nsp: '/x', id: 3 });
  });

  test('numeric event names are accepted (socket.io-parser 4.2)', () => {
    assert.deepEqual(decode('2[1,"a"]'), { type: EVENT, nsp: '/', data: [1, 'a'] });
    assert.deepEqual(decode('2[-1.5e3]'), { type: EVENT, nsp: '/', data: [-1500] });
  });

  test('JSON may be any valid JSON text of the right shape, trailing whitespace included', () => {
    assert.deepEqual(decode('2["a",{"b":[null,true,1e400]}]'), { type: EVENT, nsp: '/', data: ['a', { b: [null, true, Infinity] }] });
    assert.deepEqual(decode('2["\\u00e9\\ud83d\\ude00"] \n'), { type: EVENT, nsp: '/', data: ['é😀'] });
    assert.deepEqual(decode('4"\\ud800"'), { type: CONNECT_ERROR, nsp: '/', data: '\uD800' });
  });

  test('placeholders in non-binary packets are plain data', () => {
    assert.deepEqual(decode('2["a",{"_placeholder":true,"num":0}]'), {
      type: EVENT,
      nsp: '/',
      data: ['a', { _placeholder: true, num: 0 }],
    });
  });

  test('"__proto__" keys stay own data properties', () => {
    const p = decode('0{"__proto__":{"polluted":1}}');
    assert.equal(Object.getPrototypeOf(p.data), Object.prototype);
    assert.deepEqual(Object.keys(p.data as object), ['__proto__']);
    assert.equal(({} as { polluted?: number }).polluted, undefined);
  });
});

describe('Socket.IO text packet rejections (SioDecodeError, both revisions)', () => {
  test('empty frame', () => assertRejected('', 'empty-packet'));

  test('unknown packet types', () => {
    for (const frame of ['7', '8["a"]', '9', 'a', ' 0', '-1', '/', '{}', '["a"]', '\u0660', '０', '\uD83D\uDE00']) {
      assertRejected(frame, 'unknown-type');
    }
  });

  test('CONNECT payload: absent or an object', () => {
    for (const frame of ['0[]', '0null', '0"x"', '0/x,[]', '0true', '01"x"']) assertRejected(frame, 'invalid-payload');
  });

  test('DISCONNECT carries nothing', () => {
    for (const frame of ['1{}', '1[]', '1/x,"bye"', '1null']) assertRejected(frame, 'invalid-payload');
  });

  test('EVENT: a non-empty array led by a string or a number', () => {
    for (const frame of ['2', '2/chat,', '2/chat', '21', '2[]', '2{}', '2"a"', '2[null]', '2[{}]', '2[["a"]]', '2[true]', '2null']) {
      assertRejected(frame, 'invalid-payload');
    }
  });

  test('EVENT: reserved names are refused', () => {
    for (const name of ['connect', 'connect_error', 'disconnect', 'disconnecting', 'newListener', 'removeListener']) {
      assertRejected(`2["${name}"]`, 'invalid-payload');
      assertRejected(`2/x,1["${name}",1]`, 'invalid-payload');
    }
    assert.deepEqual(decode('2["Connect"]'), { type: EVENT, nsp: '/', data: ['Connect'] });
    assert.deepEqual(decode('2["error"]'), { type: EVENT, nsp: '/', data: ['error'] });
  });

  test('ACK: an array', () => {
    for (const frame of ['3', '31', '3/x,1', '3{}', '31"a"', '31null']) assertRejected(frame, 'invalid-payload');
  });

  test('CONNECT_ERROR: a string or an object', () => {
    for (const frame of ['4', '4/x,', '4[]', '41', '4null', '4true']) assertRejected(frame, 'invalid-payload');
  });

  test('invalid JSON', () => {
    for (const frame of ['2["a"', '2[a]', "2['a']", '2["a"]]', '2["a"],', '0{a:1}', '2[NaN]', '2["\u0001"]', '2/x,1x', '4"x', '2[]x']) {
      assertRejected(frame, 'invalid-json');
    }
  });

  test('whitespace before the JSON is refused (the reference would read it as ack id 0)', () => {
    for (const frame of ['2 ["a"]', '2\n["a"]', '2\t["a"]', '2\r["a"]', '2/x, ["a"]', '21 ["a"]', '0 {}']) {
      assertRejected(frame, 'invalid-json');
    }
  });

  test('the rejection records the revision', () => {
    assertSioError(() => new SioDecoder({ revision: 4 }).add('9'), 'unknown-type', 4);
    assertSioError(() => new SioDecoder().add('9'), 'unknown-type', 5);
  });
});

describe('revision 4 (socket.io 2.x) namespaces and queries', () => {
  test('CONNECT with a query in the namespace, as socket.io-client 2.x sends it', () => {
    assert.deepEqual(decode('0/chat?query=1,', 4), { type: CONNECT, nsp: '/chat', query: 'query=1' });
    assert.deepEqual(decode('0/chat?token=a%2Cb&x=%3F,', 4), { type: CONNECT, nsp: '/chat', query: 'token=a%2Cb&x=%3F' });
    assert.deepEqual(decode('0/chat?a=1', 4), { type: CONNECT, nsp: '/chat', query: 'a=1' });
    assert.deepEqual(decode('0/?a=1,', 4), { type: CONNECT, nsp: '/', query: 'a=1' });
    assert.deepEqual(decode('0/chat?,', 4), { type: CONNECT, nsp: '/chat', query: '' });
    assert.deepEqual(decode('0/chat?a?b,', 4), { type: CONNECT, nsp: '/chat', query: 'a?b' });
    assert.deepEqual(decode('0/chat,', 4), { type: CONNECT, nsp: '/chat' });
  });

  test('only CONNECT namespaces are split; revision 5 never splits', () => {
    assert.deepEqual(decode('2/chat?x,["a"]', 4), { type: EVENT, nsp: '/chat?x', data: ['a'] });
    assert.deepEqual(decode('0/chat?query=1,', 5), { type: CONNECT, nsp: '/chat?query=1' });
  });

  test('what socket.io-client 2.x sends for each emit', () => {
    assert.deepEqual(decode('2["chat message","hi"]', 4), { type: EVENT, nsp: '/', data: ['chat message', 'hi'] });
    assert.deepEqual(decode('2/chat,3["x",{"a":1}]', 4), { type: EVENT, nsp: '/chat', id: 3, data: ['x', { a: 1 }] });
    assert.deepEqual(decode('3/chat,3[]', 4), { type: ACK, nsp: '/chat', id: 3, data: [] });
    assert.deepEqual(decode('1/chat,', 4), { type: DISCONNECT, nsp: '/chat' });
  });
});
