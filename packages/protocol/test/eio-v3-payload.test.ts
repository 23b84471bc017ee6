import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodePayloadV3, encodePayloadV3, type EioPacket, type EioPacketType } from '../src/index.js';
import { assertDecodeError, bytes, plain } from './helpers.js';

const ascii = (s: string): number[] => Array.from(s, (c) => c.charCodeAt(0));

describe('Engine.IO v3 string payloads', () => {
  test('reference vector: strings are not UTF-8 encoded, lengths are UTF-16 units ("4:4€€€2:4α")', () => {
    const packets: EioPacket[] = [
      { type: 'message', data: '€€€' },
      { type: 'message', data: 'α' },
    ];
    for (const supportsBinary of [true, false]) assert.equal(encodePayloadV3(packets, supportsBinary), '4:4€€€2:4α');
    assert.deepEqual(decodePayloadV3('4:4€€€2:4α'), packets);
  });

  test('changelog vector "6:4hello4:4€€€"', () => {
    const packets: EioPacket[] = [
      { type: 'message', data: 'hello' },
      { type: 'message', data: '€€€' },
    ];
    assert.equal(encodePayloadV3(packets, false), '6:4hello4:4€€€');
    assert.deepEqual(decodePayloadV3('6:4hello4:4€€€'), packets);
  });

  test('string-only payloads stay strings even with binary support (reference)', () => {
    assert.equal(encodePayloadV3([{ type: 'ping' }, { type: 'pong' }], true), '1:21:3');
    assert.deepEqual(decodePayloadV3('1:21:3'), [{ type: 'ping' }, { type: 'pong' }]);
  });

  test('the empty list is "0:" (reference), which decodes to no packets', () => {
    assert.equal(encodePayloadV3([], false), '0:');
    assert.equal(encodePayloadV3([], true), '0:');
    assert.deepEqual(decodePayloadV3('0:'), []);
    assert.deepEqual(decodePayloadV3('0:0:'), []);
    assert.deepEqual(decodePayloadV3('0:1:20:'), [{ type: 'ping' }]);
  });

  test('astral characters count as two units, lone surrogates as one', () => {
    assert.equal(encodePayloadV3([{ type: 'message', data: '😀' }], false), '3:4😀');
    assert.deepEqual(decodePayloadV3('3:4😀'), [{ type: 'message', data: '😀' }]);
    assert.equal(encodePayloadV3([{ type: 'message', data: '\uD800' }], false), '2:4\uD800');
    assert.deepEqual(decodePayloadV3('2:4\uD800'), [{ type: 'message', data: '\uD800' }]);
    // A length that splits a pair leaves the low half where a digit belongs.
    assertDecodeError(() => decodePayloadV3('2:4😀'), 'invalid-length');
  });

  test('multi-digit lengths', () => {
    const data = 'x'.repeat(122);
    const payload = encodePayloadV3([{ type: 'message', data }, { type: 'noop' }], false);
    assert.equal(payload, `123:4${data}1:6`);
    assert.deepEqual(decodePayloadV3(payload), [{ type: 'message', data }, { type: 'noop' }]);
  });

  test('binary without binary support is base64 inside the string form', () => {
    const packets: EioPacket[] = [
      { type: 'message', data: bytes(0, 1, 2, 3, 4) },
      { type: 'message', data: 'hello' },
    ];
    const payload = encodePayloadV3(packets, false);
    assert.equal(payload, '10:b4AAECAwQ=6:4hello');
    assert.deepEqual(plain(decodePayloadV3(payload)), packets);
    assert.deepEqual(plain(decodePayloadV3('2:b4')), [{ type: 'message', data: bytes() }]);
  });

  test('leading zeros in lengths are tolerated like the reference', () => {
    assert.deepEqual(decodePayloadV3('02:4a'), [{ type: 'message', data: 'a' }]);
  });

  test('reference malformed vectors', () => {
    for (const bad of ['1!', '', '))', '1:', '3:99:', '1:aa', '1:a2:b']) assertDecodeError(() => decodePayloadV3(bad));
  });

  test('malformed lengths and framing', () => {
    const cases: [string, string][] = [
      ['', 'empty-payload'],
      [':4a', 'invalid-length'],
      ['2:4a:1:2', 'invalid-length'],
      ['-1:4', 'invalid-length'],
      ['+1:4', 'invalid-length'],
      [' 1:4', 'invalid-length'],
      ['1 :4', 'invalid-length'],
      ['0x1:4', 'invalid-length'],
      ['1e0:4', 'invalid-length'],
      ['١:4', 'invalid-length'], // Arabic-Indic digit one
      ['2', 'missing-separator'],
      ['2:4a1', 'missing-separator'],
      ['4:4abc22', 'missing-separator'],
      ['2:4', 'length-mismatch'],
      ['5:4abc', 'length-mismatch'],
      ['99999999999999999999999:4', 'length-mismatch'],
      ['9'.repeat(400) + ':4', 'length-mismatch'],
      ['3:4😀'.slice(0, -1), 'length-mismatch'],
      ['1:b', 'unknown-type'],
      ['1:7', 'unknown-type'],
      ['3:b4A', 'invalid-base64'],
      ['5:b4AQ=', 'invalid-base64'],
    ];
    for (const [bad, reason] of cases) assertDecodeError(() => decodePayloadV3(bad), reason);
  });

  test('non-string, non-byte bodies are DecodeErrors', () => {
    for (const bad of [undefined, null, 7, {}, new ArrayBuffer(3)]) {
      assertDecodeError(() => decodePayloadV3(bad as never), 'invalid-payload');
    }
  });
});

describe('Engine.IO v3 binary (XHR2) payloads', () => {
  test('changelog vector: "hello" + [1,2,3] → 00 06 ff 34 68 65 6c 6c 6f 01 04 ff 04 01 02 03', () => {
    const packets: EioPacket[] = [
      { type: 'message', data: 'hello' },
      { type: 'message', data: bytes(1, 2, 3) },
    ];
    const wire = Buffer.from('0006ff3468656c6c6f0104ff04010203', 'hex');
    assert.deepEqual(encodePayloadV3(packets, true), wire);
    assert.deepEqual(plain(decodePayloadV3(wire)), packets);
  });

  test('reference case: 123 bytes + "hello" + close, with a three-digit length', () => {
    const first = Buffer.from(Array.from({ length: 123 }, (_, i) => i));
    const packets: EioPacket[] = [{ type: 'message', data: first }, { type: 'message', data: 'hello' }, { type: 'close' }];
    const wire = bytes(1, 1, 2, 4, 255, 4, ...first, 0, 6, 255, ...ascii('4hello'), 0, 1, 255, ...ascii('1'));
    assert.deepEqual(encodePayloadV3(packets, true), wire);
    assert.deepEqual(plain(decodePayloadV3(wire)), packets);
  });

  test('two binary packets (reference)', () => {
    const packets: EioPacket[] = [
      { type: 'message', data: bytes(0, 1, 2, 3, 4) },
      { type: 'message', data: bytes(5, 6, 7, 8) },
    ];
    const wire = bytes(1, 6, 255, 4, 0, 1, 2, 3, 4, 1, 5, 255, 4, 5, 6, 7, 8);
    assert.deepEqual(encodePayloadV3(packets, true), wire);
    assert.deepEqual(plain(decodePayloadV3(wire)), packets);
  });

  test('string content and its length are UTF-8 bytes', () => {
    const packets: EioPacket[] = [
      { type: 'message', data: '€' },
      { type: 'message', data: '😀' },
      { type: 'ping', data: bytes() },
    ];
    const wire = bytes(0, 4, 255, 0x34, 0xe2, 0x82, 0xac, 0, 5, 255, 0x34, 0xf0, 0x9f, 0x98, 0x80, 1, 1, 255, 2);
    assert.deepEqual(encodePayloadV3(packets, true), wire);
    assert.deepEqual(plain(decodePayloadV3(wire)), packets);
  });

  test('a ten-byte content gets the two digit bytes 1, 0', () => {
    const data = 'abcdefghi';
    const wire = bytes(0, 1, 0, 255, ...ascii(`4${data}`), 1, 1, 255, 4);
    const packets: EioPacket[] = [
      { type: 'message', data },
      { type: 'message', data: bytes() },
    ];
    assert.deepEqual(encodePayloadV3(packets, true), wire);
    assert.deepEqual(plain(decodePayloadV3(wire)), packets);
  });

  test('lone surrogates become U+FFFD, as with the reference utf8.js', () => {
    const wire = encodePayloadV3(
      [
        { type: 'message', data: '\uD800' },
        { type: 'message', data: bytes(1) },
      ],
      true,
    );
    assert.deepEqual(wire, bytes(0, 4, 255, 0x34, 0xef, 0xbf, 0xbd, 1, 2, 255, 4, 1));
    assert.deepEqual(plain(decodePayloadV3(wire)), [
      { type: 'message', data: '\uFFFD' },
      { type: 'message', data: bytes(1) },
    ]);
  });

  test('a leading BOM is data, not stripped', () => {
    const wire = bytes(0, 4, 255, 0x34, 0xef, 0xbb, 0xbf);
    assert.deepEqual(decodePayloadV3(wire), [{ type: 'message', data: '\uFEFF' }]);
  });

  test('packet types survive in both kinds of entry', () => {
    const types: EioPacketType[] = ['open', 'close', 'ping', 'pong', 'message', 'upgrade', 'noop'];
    const packets: EioPacket[] = types.flatMap((type): EioPacket[] => [{ type }, { type, data: bytes(9) }]);
    assert.deepEqual(plain(decodePayloadV3(encodePayloadV3(packets, true))), packets);
  });

  test('a string "b" packet inside the binary form is still base64', () => {
    assert.deepEqual(plain(decodePayloadV3(bytes(0, 6, 255, ...ascii('b4AQI=')))), [{ type: 'message', data: bytes(1, 2) }]);
  });

  test('plain Uint8Array bodies and views at an offset decode', () => {
    const backing = new Uint8Array([9, 9, 1, 3, 255, 4, 1, 2, 9]);
    assert.deepEqual(plain(decodePayloadV3(new Uint8Array(backing.buffer, 2, 6))), [{ type: 'message', data: bytes(1, 2) }]);
  });

  test('decoded binary data is a view of the body', () => {
    const body = bytes(1, 3, 255, 4, 1, 2);
    const data = decodePayloadV3(body)[0]?.data as Uint8Array;
    assert.equal(data.buffer, body.buffer);
  });

  test('reference malformed vector: a lone byte 64', () => {
    assertDecodeError(() => decodePayloadV3(bytes(64)), 'invalid-kind');
  });

  test('malformed binary payloads', () => {
    const cases: [Buffer, string][] = [
      [bytes(), 'empty-payload'],
      [bytes(2, 1, 255, 0x34), 'invalid-kind'],
      [bytes(255), 'invalid-kind'],
      [bytes(0), 'missing-separator'],
      [bytes(0, 1), 'missing-separator'],
      [bytes(1, 0, 0, 1), 'missing-separator'],
      [bytes(1, 1, 2, 3), 'missing-separator'],
      [bytes(0, 255, 0x34), 'invalid-length'],
      [bytes(0, 10, 255, 0x34), 'invalid-length'], // the reference would read byte 10 as digits "10"
      [bytes(0, 1, 12, 255, ...ascii('4'.repeat(12))), 'invalid-length'],
      [bytes(0, 0x31, 255, 0x34), 'invalid-length'], // ASCII "1", not the digit byte 1
      [bytes(0, 2, 255, 0x34), 'length-mismatch'],
      [bytes(1, 9, 9, 255, 4), 'length-mismatch'],
      [bytes(0, ...new Array<number>(400).fill(9), 255), 'length-mismatch'],
      [bytes(0, 0, 255), 'empty-packet'],
      [bytes(1, 0, 255), 'empty-packet'],
      [bytes(0, 1, 255, 0x37), 'unknown-type'],
      [bytes(0, 1, 255, 4), 'unknown-type'], // string entry with a numeric type
      [bytes(1, 1, 255, 7), 'unknown-type'],
      [bytes(1, 1, 255, 0x34), 'unknown-type'], // binary entry with an ASCII type
      [bytes(0, 3, 255, 0x34, 0xc3, 0x28), 'invalid-utf8'],
      [bytes(0, 3, 255, 0x34, 0xc0, 0xaf), 'invalid-utf8'], // overlong "/"
      [bytes(0, 4, 255, 0x34, 0xed, 0xa0, 0x80), 'invalid-utf8'], // encoded surrogate
      [bytes(0, 2, 255, 0x34, 0xe2), 'invalid-utf8'], // truncated sequence
      [bytes(0, 4, 255, ...ascii('b4A=')), 'invalid-base64'],
      [bytes(1, 2, 255, 4, 1, 0), 'missing-separator'], // trailing kind byte only
      [bytes(1, 2, 255, 4, 1, 7), 'invalid-kind'],
    ];
    for (const [bad, reason] of cases) assertDecodeError(() => decodePayloadV3(bad), reason);
  });
});
