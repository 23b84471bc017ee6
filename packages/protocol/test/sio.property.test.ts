import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { encodeSioPacket, hasBinary, SioDecoder, type SioPacket, type SioRevision } from '../src/index.js';
import { bytes, mutateString, mutations, text } from './arbitraries.js';
import { onlyDecodeErrors } from './helpers.js';
import { dataWithBinary, sioPacket } from './sio-arbitraries.js';
import { decodeFrames, expectedPacket, plainFrames } from './sio-helpers.js';

const runs = { numRuns: 1000 };
const REVISIONS: SioRevision[] = [4, 5];

for (const revision of REVISIONS) {
  test(`revision ${revision}: encode → decode gives the packet back, binaries included`, () => {
    fc.assert(
      fc.property(sioPacket(revision), (p) => {
        const frames = encodeSioPacket(p, revision);
        assert.deepEqual(decodeFrames(frames, revision, Infinity), expectedPacket(p));
      }),
      runs,
    );
  });

  test(`revision ${revision}: BINARY_* on the wire exactly when the data holds binary`, () => {
    fc.assert(
      fc.property(sioPacket(revision), (p) => {
        const [head, ...attachments] = encodeSioPacket(p, revision);
        const binaryType = head.charAt(0) === '5' || head.charAt(0) === '6';
        const isEventOrAck = p.type === 2 || p.type === 3 || p.type === 5 || p.type === 6;
        assert.equal(binaryType, isEventOrAck && hasBinary(p.data));
        assert.equal(attachments.length > 0, binaryType);
        if (binaryType) assert.ok(head.startsWith(`${head.charAt(0)}${attachments.length}-`));
      }),
      runs,
    );
  });

  test(`revision ${revision}: whatever the decoder accepts re-encodes stably`, () => {
    fc.assert(
      fc.property(sioPacket(revision), mutations, (p, edits) => {
        const [head, ...attachments] = encodeSioPacket(p, revision);
        const decoder = new SioDecoder({ revision, maxAttachments: Infinity });
        const got = onlyDecodeErrors(() => {
          let last: SioPacket | null = decoder.add(mutateString(head, edits));
          for (const a of attachments) if (last === null) last = decoder.add(a);
          return last;
        });
        if (got === undefined || got === null) return;
        // Compared as frames: decoded numbers such as 1e400 or -0 only reach
        // their JSON form (null, 0) after one more trip.
        const frames = plainFrames(encodeSioPacket(got, revision));
        assert.deepEqual(plainFrames(encodeSioPacket(decodeFrames(frames, revision, Infinity), revision)), frames);
      }),
      { numRuns: 3000 },
    );
  });

  test(`revision ${revision}: random frame sequences throw nothing but SioDecodeError`, () => {
    const headers = fc.constantFrom('0', '1', '2', '3', '4', '5', '6', '51-', '52-', '61-', '50-', '5', '2/chat,', '0/a?b=1,', '21', '');
    const textFrame = fc.oneof(
      text,
      fc.string({ unit: 'binary' }),
      fc.tuple(headers, fc.oneof(text, fc.json(), fc.constant('["a",{"_placeholder":true,"num":0}]'))).map(([h, t]) => h + t),
    );
    const frame = fc.oneof({ weight: 3, arbitrary: textFrame }, { weight: 1, arbitrary: bytes });
    fc.assert(
      fc.property(fc.array(frame, { minLength: 1, maxLength: 6 }), (frames) => {
        const decoder = new SioDecoder({ revision });
        for (const f of frames) {
          const p = onlyDecodeErrors(() => decoder.add(f));
          if (p) assert.ok(p.type >= 0 && p.type <= 4 && typeof p.nsp === 'string' && p.nsp.startsWith('/'));
        }
      }),
      { numRuns: 3000 },
    );
  });
}

test('hasBinary agrees with a straightforward search of JSON-like data', () => {
  const naive = (v: unknown): boolean =>
    ArrayBuffer.isView(v) || v instanceof ArrayBuffer || (typeof v === 'object' && v !== null && Object.values(v).some(naive));
  fc.assert(
    fc.property(dataWithBinary, (v) => {
      assert.equal(hasBinary(v), naive(v));
    }),
    runs,
  );
});
