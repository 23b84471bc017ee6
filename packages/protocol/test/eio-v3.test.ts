import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodePacketV3, encodePacketV3, encodePacketV3Text, type EioPacket, type EioPacketType } from '../src/index.js';
import { assertDecodeError, bytes, plain } from './helpers.js';

const ALL_TYPES: EioPacketType[] = ['open', 'close', 'ping', 'pong', 'message', 'upgrade', 'noop'];

describe('Engine.IO v3 packets', () => {
  test('text packets are "<digit><data>" regardless of binary support', () => {
    for (const supportsBinary of [true, false]) {
      assert.equal(encodePacketV3({ type: 'message', data: 'test' }, supportsBinary), '4test');
      assert.equal(encodePacketV3({ type: 'open', data: '{"some":"json"}' }, supportsBinary), '0{"some":"json"}');
      assert.equal(encodePacketV3({ type: 'upgrade' }, supportsBinary), '5');
    }
  });

  test('reference round trips: open/close/ping/pong/message/upgrade', () => {
    const cases: EioPacket[] = [
      { type: 'message' },
      { type: 'open', data: '{"some":"json"}' },
      { type: 'close' },
      { type: 'ping', data: '1' },
      { type: 'pong', data: '1' },
      { type: 'message', data: 'aaa' },
      { type: 'message', data: 'utf8 — string' },
      { type: 'upgrade' },
    ];
    for (const p of cases) assert.deepEqual(decodePacketV3(encodePacketV3(p, true)), p);
  });

  test('every type digit', () => {
    ALL_TYPES.forEach((type, code) => {
      assert.equal(encodePacketV3({ type }, false), String(code));
      assert.deepEqual(decodePacketV3(String(code)), { type });
      assert.deepEqual(decodePacketV3(`${code}x`), { type, data: 'x' });
    });
  });

  test('websocket text is not UTF-8 encoded (reference: "4€€€")', () => {
    assert.equal(encodePacketV3({ type: 'message', data: '€€€' }, true), '4€€€');
    assert.deepEqual(decodePacketV3('4€€€'), { type: 'message', data: '€€€' });
  });

  test('binary frame is [typeCode, ...data] (spec example 4|0|1|2|3|4|5)', () => {
    const data = bytes(0, 1, 2, 3, 4, 5);
    const frame = encodePacketV3({ type: 'message', data }, true);
    assert.deepEqual(frame, bytes(4, 0, 1, 2, 3, 4, 5));
    assert.deepEqual(plain([decodePacketV3(bytes(4, 0, 1, 2, 3, 4, 5))]), [{ type: 'message', data }]);
  });

  test('changelog vector: message [1,2,3] → <04 01 02 03>', () => {
    assert.deepEqual(encodePacketV3({ type: 'message', data: bytes(1, 2, 3) }, true), bytes(4, 1, 2, 3));
  });

  test('binary keeps its packet type, in both binary and base64 form', () => {
    ALL_TYPES.forEach((type, code) => {
      const p: EioPacket = { type, data: bytes(9, 8) };
      assert.deepEqual(encodePacketV3(p, true), bytes(code, 9, 8));
      assert.equal(encodePacketV3(p, false), `b${code}CQg=`);
      assert.deepEqual(plain([decodePacketV3(bytes(code, 9, 8))]), [p]);
      assert.deepEqual(plain([decodePacketV3(`b${code}CQg=`)]), [p]);
    });
  });

  test('without binary support, binary becomes "b<digit><base64>"', () => {
    const p: EioPacket = { type: 'message', data: bytes(1, 2, 3, 4) };
    assert.equal(encodePacketV3(p, false), 'b4AQIDBA==');
    assert.equal(encodePacketV3Text(p), 'b4AQIDBA==');
    assert.deepEqual(plain([decodePacketV3('b4AQIDBA==')]), [p]);
  });

  test('binary views at an offset and plain Uint8Arrays encode their own bytes only', () => {
    const view = new Uint8Array(new Uint8Array([7, 1, 2, 3, 7]).buffer, 1, 3);
    assert.deepEqual(encodePacketV3({ type: 'message', data: view }, true), bytes(4, 1, 2, 3));
    assert.equal(encodePacketV3({ type: 'message', data: view }, false), 'b4AQID');
  });

  test('reference: a frame whose first byte is 4 decodes as a message of the remaining bytes', () => {
    assert.deepEqual(plain([decodePacketV3(bytes(4, 3, 2, 1))]), [{ type: 'message', data: bytes(3, 2, 1) }]);
    const view = new Uint8Array(new Uint8Array([4, 3, 2, 1]).buffer);
    assert.deepEqual(plain([decodePacketV3(view)]), [{ type: 'message', data: bytes(3, 2, 1) }]);
  });

  test('decoded binary data is a view of the frame, not a copy', () => {
    const frame = bytes(4, 1, 2);
    const data = decodePacketV3(frame).data as Uint8Array;
    assert.equal(data.buffer, frame.buffer);
    assert.equal(data.byteOffset, frame.byteOffset + 1);
  });

  test('empty binary data: [4] and "b4" are empty binary messages', () => {
    const empty: EioPacket[] = [{ type: 'message', data: bytes() }];
    assert.deepEqual(encodePacketV3({ type: 'message', data: bytes() }, true), bytes(4));
    assert.equal(encodePacketV3({ type: 'message', data: bytes() }, false), 'b4');
    assert.deepEqual(plain([decodePacketV3(bytes(4))]), empty);
    assert.deepEqual(plain([decodePacketV3('b4')]), empty);
  });

  test('malformed text packets (reference: ":::", "94103", "")', () => {
    assertDecodeError(() => decodePacketV3(''), 'empty-packet');
    assertDecodeError(() => decodePacketV3(':::'), 'unknown-type');
    assertDecodeError(() => decodePacketV3('94103'), 'unknown-type');
    for (const bad of ['7', 'a', ' 4', 'é4', '\uDBFF\uDFFF']) assertDecodeError(() => decodePacketV3(bad), 'unknown-type');
  });

  test('malformed "b" packets: missing or bad type, bad base64', () => {
    assertDecodeError(() => decodePacketV3('b'), 'unknown-type');
    assertDecodeError(() => decodePacketV3('bAQID'), 'unknown-type');
    assertDecodeError(() => decodePacketV3('b7AQID'), 'unknown-type');
    assertDecodeError(() => decodePacketV3('bb'), 'unknown-type');
    for (const bad of ['b4A', 'b4AQ=', 'b4!!!!', 'b4AQ ID', 'b4-_-_', 'b4AQID\r\n']) {
      assertDecodeError(() => decodePacketV3(bad), 'invalid-base64');
    }
  });

  test('malformed binary frames: empty, unknown type byte, ASCII digit instead of code', () => {
    assertDecodeError(() => decodePacketV3(bytes()), 'empty-packet');
    assertDecodeError(() => decodePacketV3(bytes(7, 1)), 'unknown-type');
    assertDecodeError(() => decodePacketV3(bytes(255)), 'unknown-type');
    assertDecodeError(() => decodePacketV3(bytes(0x34, 1)), 'unknown-type');
  });

  test('non-string, non-byte frames are DecodeErrors', () => {
    for (const bad of [undefined, null, 4, {}, new ArrayBuffer(1)]) assertDecodeError(() => decodePacketV3(bad as never));
  });

  test('unknown packet types are a TypeError when encoding', () => {
    assert.throws(() => encodePacketV3({ type: 'error' as EioPacketType }, true), TypeError);
    assert.throws(() => encodePacketV3({ type: 'nope' as EioPacketType, data: bytes(1) }, true), TypeError);
    assert.throws(() => encodePacketV3Text({ type: 'toString' as EioPacketType, data: bytes(1) }), TypeError);
  });
});
