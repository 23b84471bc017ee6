import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { decodePacketV4, decodePacketV4Text, decodePayloadV4, encodePacketV4, encodePacketV4Text, encodePayloadV4 } from '../src/index.js';
import { bytes, mutateString, mutations, text, v4Packet, v4PayloadPacket } from './arbitraries.js';
import { assertWellFormed, expectedAfterRoundTrip, onlyDecodeErrors, plain } from './helpers.js';

const runs = { numRuns: 1000 };

test('v4 websocket frames round-trip every packet', () => {
  fc.assert(
    fc.property(v4Packet, (p) => {
      assert.deepEqual(plain([decodePacketV4(encodePacketV4(p))]), plain([expectedAfterRoundTrip(p)]));
    }),
    runs,
  );
});

test('v4 text form round-trips every packet through both text decoders', () => {
  fc.assert(
    fc.property(v4Packet, (p) => {
      const s = encodePacketV4Text(p);
      assert.equal(typeof s, 'string');
      const expected = plain([expectedAfterRoundTrip(p)]);
      assert.deepEqual(plain([decodePacketV4Text(s)]), expected);
      assert.deepEqual(plain([decodePacketV4(s)]), expected);
    }),
    runs,
  );
});

test('v4 text frames equal the text form for non-binary packets', () => {
  fc.assert(
    fc.property(v4Packet, (p) => {
      if (p.data instanceof Uint8Array) return;
      assert.equal(encodePacketV4(p), encodePacketV4Text(p));
    }),
    runs,
  );
});

test('v4 payloads round-trip non-empty packet lists', () => {
  fc.assert(
    fc.property(fc.array(v4PayloadPacket, { minLength: 1, maxLength: 8 }), (packets) => {
      assert.deepEqual(plain(decodePayloadV4(encodePayloadV4(packets))), plain(packets.map(expectedAfterRoundTrip)));
    }),
    runs,
  );
});

test('v4 payloads concatenate: decode(a ␞ b) = decode(a) ++ decode(b)', () => {
  const list = fc.array(v4PayloadPacket, { minLength: 1, maxLength: 4 });
  fc.assert(
    fc.property(list, list, (a, b) => {
      const joined = decodePayloadV4(`${encodePayloadV4(a)}\x1e${encodePayloadV4(b)}`);
      assert.deepEqual(plain(joined), plain([...a, ...b].map(expectedAfterRoundTrip)));
    }),
    runs,
  );
});

test('v4 binary frames always decode to a message with those exact bytes', () => {
  fc.assert(
    fc.property(bytes, (frame) => {
      const p = decodePacketV4(frame);
      assert.equal(p.type, 'message');
      assert.equal(p.data, frame);
    }),
    runs,
  );
});

test('v4 decoders throw nothing but DecodeError on arbitrary strings, and what they accept re-encodes stably', () => {
  const input = fc.oneof(
    text,
    fc.string(),
    fc.string({ unit: 'binary' }),
    fc.base64String().map((s) => `b${s}`),
  );
  fc.assert(
    fc.property(input, (s) => {
      const packet = onlyDecodeErrors(() => decodePacketV4(s));
      if (packet !== undefined) {
        assertWellFormed(packet);
        assert.deepEqual(plain([decodePacketV4Text(encodePacketV4Text(packet))]), plain([packet]));
      }
      onlyDecodeErrors(() => decodePacketV4Text(s));
      const packets = onlyDecodeErrors(() => decodePayloadV4(s));
      if (packets !== undefined) {
        packets.forEach(assertWellFormed);
        assert.deepEqual(plain(decodePayloadV4(encodePayloadV4(packets))), plain(packets));
      }
    }),
    { numRuns: 3000 },
  );
});

test('v4 decoders throw nothing but DecodeError on mutated valid payloads', () => {
  fc.assert(
    fc.property(fc.array(v4PayloadPacket, { minLength: 1, maxLength: 5 }), mutations, (packets, edits) => {
      const body = mutateString(encodePayloadV4(packets), edits);
      const decoded = onlyDecodeErrors(() => decodePayloadV4(body));
      decoded?.forEach(assertWellFormed);
      onlyDecodeErrors(() => decodePacketV4(body));
    }),
    { numRuns: 3000 },
  );
});
