import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  decodePacketV4,
  decodePacketV4Text,
  decodePayloadV4,
  encodePacketV4,
  encodePacketV4Text,
  encodePayloadV4,
  type EioPacket,
  type EioPacketType,
} from '../src/index.js';
import { assertDecodeError, bytes, plain } from './helpers.js';

const ALL_TYPES: [EioPacketType, string][] = [
  ['open', '0'],
  ['close', '1'],
  ['ping', '2'],
  ['pong', '3'],
  ['message', '4'],
  ['upgrade', '5'],
  ['noop', '6'],
];

describe('Engine.IO v4 packets', () => {
  test('string message (reference vector "4test")', () => {
    const p: EioPacket = { type: 'message', data: 'test' };
    assert.equal(encodePacketV4(p), '4test');
    assert.equal(encodePacketV4Text(p), '4test');
    assert.deepEqual(decodePacketV4('4test'), p);
    assert.deepEqual(decodePacketV4Text('4test'), p);
  });

  test('every type digit, with and without data', () => {
    for (const [type, digit] of ALL_TYPES) {
      assert.equal(encodePacketV4({ type }), digit);
      assert.equal(encodePacketV4({ type, data: 'probe' }), `${digit}probe`);
      assert.deepEqual(decodePacketV4(digit), { type });
      assert.deepEqual(decodePacketV4(`${digit}probe`), { type, data: 'probe' });
    }
  });

  test('packets without data decode without a data key', () => {
    assert.equal('data' in decodePacketV4('2'), false);
    assert.equal('data' in decodePacketV4Text('6'), false);
  });

  test('empty string data encodes like no data (as the reference does)', () => {
    assert.equal(encodePacketV4({ type: 'message', data: '' }), '4');
    assert.deepEqual(decodePacketV4('4'), { type: 'message' });
  });

  test('text is passed through untouched: non-ASCII, astral, BOM, lone surrogates, control chars', () => {
    for (const data of ['1€', 'utf8 — string', '😀🎉', '\uFEFFbom', '\uD800x\uDC00', '\x00\x1f\x7f', '4\x1e']) {
      assert.equal(encodePacketV4({ type: 'message', data }), `4${data}`);
      assert.deepEqual(decodePacketV4(`4${data}`), { type: 'message', data });
    }
  });

  test('binary message is the raw frame, not a copy (reference: "noop" encode)', () => {
    const data = bytes(1, 2, 3, 4);
    assert.equal(encodePacketV4({ type: 'message', data }), data);
    const frame = bytes(1, 2, 3, 4);
    const decoded = decodePacketV4(frame);
    assert.equal(decoded.type, 'message');
    assert.equal(decoded.data, frame);
  });

  test('a binary frame has no type byte: [4,1,2,3] is four bytes of data', () => {
    assert.deepEqual(plain([decodePacketV4(bytes(4, 1, 2, 3))]), [{ type: 'message', data: bytes(4, 1, 2, 3) }]);
  });

  test('empty binary frame is an empty binary message', () => {
    const p = decodePacketV4(new Uint8Array(0));
    assert.equal(p.type, 'message');
    assert.ok(p.data instanceof Uint8Array);
    assert.equal(p.data.length, 0);
  });

  test('binary message in text form is "b" + base64 (reference vector "bAQIDBA==")', () => {
    const p: EioPacket = { type: 'message', data: bytes(1, 2, 3, 4) };
    assert.equal(encodePacketV4Text(p), 'bAQIDBA==');
    assert.deepEqual(plain([decodePacketV4('bAQIDBA==')]), [p]);
    assert.deepEqual(plain([decodePacketV4Text('bAQIDBA==')]), [p]);
  });

  test('text form of plain Uint8Arrays and views at an offset', () => {
    const backing = new Uint8Array([1, 2, 3, 4]).buffer;
    assert.equal(encodePacketV4Text({ type: 'message', data: new Uint8Array(backing) }), 'bAQIDBA==');
    assert.equal(encodePacketV4Text({ type: 'message', data: new Uint8Array(backing, 1, 2) }), 'bAgM=');
    assert.equal(encodePacketV4Text({ type: 'message', data: new Uint8Array(0) }), 'b');
  });

  test('"b" alone is an empty binary message; unpadded base64 is accepted', () => {
    assert.deepEqual(plain([decodePacketV4('b')]), [{ type: 'message', data: bytes() }]);
    assert.deepEqual(plain([decodePacketV4('bAQID')]), [{ type: 'message', data: bytes(1, 2, 3) }]);
    assert.deepEqual(plain([decodePacketV4('bAQIDBA')]), [{ type: 'message', data: bytes(1, 2, 3, 4) }]);
  });

  test('malformed packets (reference: "" and "a123")', () => {
    assertDecodeError(() => decodePacketV4(''), 'empty-packet');
    assertDecodeError(() => decodePacketV4Text(''), 'empty-packet');
    assertDecodeError(() => decodePacketV4('a123'), 'unknown-type');
    for (const bad of ['7', '8x', '9', '/', ':', ' 4', 'B', 'é', '\uD83D\uDE00', '{}', '-1']) {
      assertDecodeError(() => decodePacketV4(bad), 'unknown-type');
    }
  });

  test('malformed base64 in "b" packets', () => {
    for (const bad of ['bA', 'bAQ=', 'b!!!!', 'bAQ ID', 'bAQ-_', 'b====', 'bAQIDBA==\n']) {
      assertDecodeError(() => decodePacketV4(bad), 'invalid-base64');
    }
  });

  test('non-string, non-byte frames are DecodeErrors', () => {
    for (const bad of [undefined, null, 42, {}, [], new ArrayBuffer(2)]) {
      assertDecodeError(() => decodePacketV4(bad as never));
      assertDecodeError(() => decodePacketV4Text(bad as never));
    }
  });

  test('encoding errors are caller bugs, reported as TypeError', () => {
    assert.throws(() => encodePacketV4({ type: 'ping', data: bytes(1) }), TypeError);
    assert.throws(() => encodePacketV4Text({ type: 'close', data: bytes(1) }), TypeError);
    assert.throws(() => encodePacketV4({ type: 'error' as EioPacketType }), TypeError);
    assert.throws(() => encodePacketV4Text({ type: 'constructor' as EioPacketType, data: 'x' }), TypeError);
  });
});

describe('Engine.IO v4 payloads', () => {
  test('all packet types (reference vector)', () => {
    const packets: EioPacket[] = [
      { type: 'open' },
      { type: 'close' },
      { type: 'ping', data: 'probe' },
      { type: 'pong', data: 'probe' },
      { type: 'message', data: 'test' },
    ];
    const payload = '0\x1e1\x1e2probe\x1e3probe\x1e4test';
    assert.equal(encodePayloadV4(packets), payload);
    assert.deepEqual(decodePayloadV4(payload), packets);
  });

  test('string + binary (reference vectors "4test\\x1ebAQIDBA==" and "4hello\\x1ebAQID")', () => {
    const a: EioPacket[] = [
      { type: 'message', data: 'test' },
      { type: 'message', data: bytes(1, 2, 3, 4) },
    ];
    assert.equal(encodePayloadV4(a), '4test\x1ebAQIDBA==');
    assert.deepEqual(plain(decodePayloadV4('4test\x1ebAQIDBA==')), a);
    const b: EioPacket[] = [
      { type: 'message', data: 'hello' },
      { type: 'message', data: bytes(1, 2, 3) },
    ];
    assert.equal(encodePayloadV4(b), '4hello\x1ebAQID');
    assert.deepEqual(plain(decodePayloadV4('4hello\x1ebAQID')), b);
  });

  test('non-ASCII text is not UTF-8 encoded (changelog vector "4hello\\x1e4€€€")', () => {
    const packets: EioPacket[] = [
      { type: 'message', data: 'hello' },
      { type: 'message', data: '€€€' },
    ];
    assert.equal(encodePayloadV4(packets), '4hello\x1e4€€€');
    assert.deepEqual(decodePayloadV4('4hello\x1e4€€€'), packets);
  });

  test('single packet payload has no separator', () => {
    assert.equal(encodePayloadV4([{ type: 'noop' }]), '6');
    assert.deepEqual(decodePayloadV4('6'), [{ type: 'noop' }]);
  });

  test('the empty list encodes to "", which does not decode', () => {
    assert.equal(encodePayloadV4([]), '');
    assertDecodeError(() => decodePayloadV4(''), 'empty-packet');
  });

  test('empty packets between, before or after separators are rejected', () => {
    for (const bad of ['\x1e', '4a\x1e', '\x1e4a', '4a\x1e\x1e4b']) {
      assertDecodeError(() => decodePayloadV4(bad), 'empty-packet');
    }
  });

  test('one bad packet rejects the whole payload (reference malformed vectors)', () => {
    for (const bad of ['{', '{}', '["a123", "a456"]', '4a\x1e9', '4a\x1eb!', '2\x1e4x\x1eq']) {
      assertDecodeError(() => decodePayloadV4(bad));
    }
  });

  test('non-string payloads are DecodeErrors', () => {
    assertDecodeError(() => decodePayloadV4(bytes(0x34) as never), 'invalid-payload');
    assertDecodeError(() => decodePayloadV4(undefined as never), 'invalid-payload');
  });
});
