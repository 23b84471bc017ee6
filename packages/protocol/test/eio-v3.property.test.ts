import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { decodePacketV3, decodePayloadV3, encodePacketV3, encodePayloadV3, type EioPacket } from '../src/index.js';
import { bytes, mutateBytes, mutateString, mutations, roughV3BinaryPayload, roughV3StringPayload, text, v3Packet, wellFormedText } from './arbitraries.js';
import { assertWellFormed, expectedAfterRoundTrip, onlyDecodeErrors, plain } from './helpers.js';

const runs = { numRuns: 1000 };
const hasBinary = (packets: readonly EioPacket[]): boolean => packets.some((p) => p.data instanceof Uint8Array);
// What UTF-8 can carry of a string: lone surrogates become U+FFFD.
const viaUtf8 = (p: EioPacket): EioPacket => (typeof p.data === 'string' ? { type: p.type, data: Buffer.from(p.data, 'utf8').toString('utf8') } : p);

test('v3 websocket frames round-trip every packet, with and without binary support', () => {
  fc.assert(
    fc.property(v3Packet, fc.boolean(), (p, supportsBinary) => {
      const frame = encodePacketV3(p, supportsBinary);
      assert.equal(typeof frame === 'string', !(supportsBinary && p.data instanceof Uint8Array));
      assert.deepEqual(plain([decodePacketV3(frame)]), plain([expectedAfterRoundTrip(p)]));
    }),
    runs,
  );
});

test('v3 string payloads round-trip exactly, lone surrogates included', () => {
  fc.assert(
    fc.property(fc.array(v3Packet, { maxLength: 8 }), (packets) => {
      const body = encodePayloadV3(packets, false);
      assert.equal(typeof body, 'string');
      assert.deepEqual(plain(decodePayloadV3(body)), plain(packets.map(expectedAfterRoundTrip)));
    }),
    runs,
  );
});

test('v3 string payload length headers count UTF-16 code units', () => {
  fc.assert(
    fc.property(fc.constantFrom('open', 'message', 'noop' as const), text, (type, data) => {
      const body = encodePayloadV3([{ type, data }], false);
      assert.equal(body, `${data.length + 1}:${encodePacketV3({ type, data }, false) as string}`);
    }),
    runs,
  );
});

test('v3 binary support only switches to the binary form when some packet is binary', () => {
  fc.assert(
    fc.property(fc.array(v3Packet, { maxLength: 6 }), (packets) => {
      const body = encodePayloadV3(packets, true);
      if (hasBinary(packets)) assert.ok(body instanceof Uint8Array);
      else assert.equal(body, encodePayloadV3(packets, false));
    }),
    runs,
  );
});

test('v3 binary payloads round-trip; text goes through UTF-8', () => {
  const packets = fc.tuple(fc.array(v3Packet, { maxLength: 6 }), bytes, fc.nat(16)).map(([list, data, at]) => {
    const withBinary = [...list];
    withBinary.splice(at % (list.length + 1), 0, { type: 'message', data });
    return withBinary;
  });
  fc.assert(
    fc.property(packets, (list) => {
      const body = encodePayloadV3(list, true);
      assert.ok(body instanceof Uint8Array);
      assert.deepEqual(plain(decodePayloadV3(body)), plain(list.map((p) => expectedAfterRoundTrip(viaUtf8(p)))));
    }),
    runs,
  );
});

test('v3 binary payloads carry well-formed text unchanged', () => {
  fc.assert(
    fc.property(fc.array(fc.record({ type: fc.constant('message' as const), data: wellFormedText })), bytes, (list, data) => {
      const packets: EioPacket[] = [...list, { type: 'message', data }];
      assert.deepEqual(plain(decodePayloadV3(encodePayloadV3(packets, true))), plain(packets.map(expectedAfterRoundTrip)));
    }),
    runs,
  );
});

test('v3 payloads concatenate, in both forms', () => {
  const list = fc.array(v3Packet, { minLength: 1, maxLength: 4 });
  fc.assert(
    fc.property(list, list, fc.boolean(), (a, b, supportsBinary) => {
      const ea = encodePayloadV3(a, supportsBinary);
      const eb = encodePayloadV3(b, supportsBinary);
      const expected = [...decodePayloadV3(ea), ...decodePayloadV3(eb)];
      if (typeof ea === 'string' && typeof eb === 'string') {
        assert.deepEqual(plain(decodePayloadV3(ea + eb)), plain(expected));
      } else if (typeof ea !== 'string' && typeof eb !== 'string') {
        assert.deepEqual(plain(decodePayloadV3(Buffer.concat([ea, eb]))), plain(expected));
      }
    }),
    runs,
  );
});

test('v3 decoders throw nothing but DecodeError on arbitrary strings, and what they accept re-encodes stably', () => {
  const input = fc.oneof(text, fc.string({ unit: 'binary' }), roughV3StringPayload);
  fc.assert(
    fc.property(input, fc.boolean(), (s, supportsBinary) => {
      const packet = onlyDecodeErrors(() => decodePacketV3(s));
      if (packet !== undefined) {
        assertWellFormed(packet);
        assert.deepEqual(plain([decodePacketV3(encodePacketV3(packet, supportsBinary))]), plain([packet]));
      }
      const packets = onlyDecodeErrors(() => decodePayloadV3(s));
      if (packets !== undefined) {
        packets.forEach(assertWellFormed);
        assert.deepEqual(plain(decodePayloadV3(encodePayloadV3(packets, supportsBinary))), plain(packets.map(viaUtf8Binary(supportsBinary, packets))));
      }
    }),
    { numRuns: 3000 },
  );
});

test('v3 decoders throw nothing but DecodeError on arbitrary bytes, and what they accept re-encodes stably', () => {
  const input = fc.oneof(
    fc.uint8Array({ maxLength: 64 }),
    fc.array(fc.constantFrom(0, 1, 2, 4, 9, 10, 0x34, 0x62, 0xff), { maxLength: 32 }).map((a) => Uint8Array.from(a)),
    roughV3BinaryPayload,
  );
  fc.assert(
    fc.property(input, (b) => {
      const packet = onlyDecodeErrors(() => decodePacketV3(b));
      if (packet !== undefined) assertWellFormed(packet);
      const packets = onlyDecodeErrors(() => decodePayloadV3(b));
      if (packets !== undefined) {
        packets.forEach(assertWellFormed);
        assert.deepEqual(plain(decodePayloadV3(encodePayloadV3(packets, true))), plain(packets));
      }
    }),
    { numRuns: 3000 },
  );
});

test('v3 decoders throw nothing but DecodeError on mutated valid payloads', () => {
  fc.assert(
    fc.property(fc.array(v3Packet, { maxLength: 5 }), fc.boolean(), mutations, (packets, supportsBinary, edits) => {
      const body = encodePayloadV3(packets, supportsBinary);
      const mutated = typeof body === 'string' ? mutateString(body, edits) : mutateBytes(body, edits);
      onlyDecodeErrors(() => decodePayloadV3(mutated))?.forEach(assertWellFormed);
      onlyDecodeErrors(() => decodePacketV3(mutated));
    }),
    { numRuns: 3000 },
  );
});

// Re-encoding decoded packets in the binary form sends their text through
// UTF-8, which only changes strings that hold lone surrogates.
function viaUtf8Binary(supportsBinary: boolean, packets: readonly EioPacket[]): (p: EioPacket) => EioPacket {
  return supportsBinary && hasBinary(packets) ? viaUtf8 : (p) => p;
}
