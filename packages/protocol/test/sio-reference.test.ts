// Differential tests against the reference parsers, installed as dev
// dependencies: socket.io-parser 4.2.7 (protocol 5, what socket.io 4 runs,
// also for its socket.io 2.x clients) and 3.4.5 (protocol 4, socket.io 2.x
// servers). Every disagreement must be one of the deliberate ones listed in
// the corpus below, each of which is us refusing something the reference lets
// through oddly, except "50-" in revision 4 (see decode-text.ts).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { Decoder as DecoderV5, Encoder as EncoderV5, type Packet as PacketV5 } from 'socket.io-parser';
import parserV3 from 'socket.io-parser-v3';
import { parse as parseUrl } from 'node:url';
import { encodeSioPacket, hasBinary, RESERVED_EVENT_NAMES, SioDecodeError, SioDecoder, type SioPacket, type SioRevision } from '../src/index.js';
import { json, sioPacket } from './sio-arbitraries.js';
import { expectedPacket, plainFrames } from './sio-helpers.js';
import { bytes } from './helpers.js';

type Frame = string | Buffer;
/** What one frame did: completed a packet, left one pending (null), or was rejected. */
type Step = { packet: SioPacket } | { pending: true } | { error: string };

interface Decoders {
  ours(frame: Frame): Step;
  reference(frame: Frame): Step;
  /** Feeds the reference empty attachments until its pending packet completes or fails. */
  finishReference(): Step;
}

function decoders(revision: SioRevision): Decoders {
  const ours = new SioDecoder({ revision });
  const emitted: unknown[] = [];
  const ref = revision === 5 ? new DecoderV5() : new parserV3.Decoder();
  (ref as { on(e: 'decoded', l: (p: unknown) => void): void }).on('decoded', (p) => emitted.push(p));
  return {
    ours(frame) {
      try {
        const packet = ours.add(frame);
        return packet === null ? { pending: true } : { packet };
      } catch (e) {
        if (e instanceof SioDecodeError) return { error: e.reason };
        throw e;
      }
    },
    reference(frame) {
      try {
        (ref as { add(f: Frame): void }).add(frame);
      } catch (e) {
        return { error: (e as Error).message };
      }
      const p = emitted.pop() as (PacketV5 & { query?: string }) | undefined;
      if (p === undefined) return { pending: true };
      // Parser 3 reports some malformed input as an ERROR packet, not a throw.
      if (revision === 4 && p.type === 4 && (p as { nsp?: string }).nsp === undefined) return { error: String(p.data) };
      return { packet: normalise(p, revision) };
    },
    finishReference() {
      for (let i = 0; i < 20; i++) {
        const step = this.reference(Buffer.alloc(0));
        if (!('pending' in step)) return step;
      }
      return { pending: true };
    },
  };
}

/**
 * A reference packet in our shape: no BINARY_* types, no undefined keys, and
 * for revision 4 CONNECTs the query split off the namespace, as socket.io 2.x
 * servers do with url.parse (which agrees with a split at the first "?" for
 * the namespaces these tests use).
 */
function normalise(p: PacketV5, revision: SioRevision): SioPacket {
  const type = (p.type === 5 ? 2 : p.type === 6 ? 3 : p.type) as SioPacket['type'];
  const out: SioPacket = { type, nsp: p.nsp };
  if (p.id !== undefined) out.id = p.id;
  if (p.data !== undefined) out.data = p.data;
  const q = p.nsp.indexOf('?');
  if (revision === 4 && type === 0 && q !== -1) {
    out.nsp = p.nsp.slice(0, q);
    out.query = p.nsp.slice(q + 1);
  }
  return out;
}

type Divergence =
  | 'same'
  | 'stricter' // the reference accepts a packet, we reject the frame
  | 'early' // we reject a bad placeholder on the text frame, the reference only when the last attachment arrives
  | 'laxer'; // we accept, the reference rejects

/** Feeds `frames` to both decoders and returns the first step where they differ, if any. */
function compare(frames: readonly Frame[], revision: SioRevision): { kind: Divergence; text: Frame; ours?: Step; ref?: Step } {
  const d = decoders(revision);
  // The text frame of the packet being decoded, which any explanation is about.
  let text: Frame = '';
  for (let i = 0; i < frames.length; i++) {
    const frame = frames[i]!;
    if (typeof frame === 'string') text = frame;
    const ours = d.ours(frame);
    let ref = d.reference(frame);
    if ('error' in ours && 'error' in ref) return { kind: 'same', text };
    if ('pending' in ours && 'pending' in ref) continue;
    if ('packet' in ours && 'packet' in ref) {
      assert.deepEqual(ours.packet, ref.packet, `frame ${i} of ${JSON.stringify(frames)}`);
      continue;
    }
    // We judge a binary packet on its text frame; see what the reference
    // makes of it once its attachments are in.
    if ('error' in ours && 'pending' in ref) {
      ref = d.finishReference();
      if ('error' in ref) return { kind: 'early', text, ours, ref };
    }
    if ('error' in ours && 'packet' in ref) return { kind: 'stricter', text, ours, ref };
    if ('packet' in ours && 'error' in ref) return { kind: 'laxer', text, ours, ref };
    assert.fail(`revision ${revision}, frame ${i} of ${JSON.stringify(frames)}: ours ${JSON.stringify(ours)}, reference ${JSON.stringify(ref)}`);
  }
  return { kind: 'same', text };
}

/** Why we may refuse a packet the reference accepted: null if we may not. */
function stricterBecause(p: SioPacket, frame: Frame, revision: SioRevision): string | null {
  if (typeof frame === 'string') {
    if (frame === '' || frame.charAt(0) === ' ') return 'type read through Number()';
    if (/^[56][^-]*[^0-9-][^-]*-/.test(frame)) return 'attachment count read through Number()';
    if (
      /[\t\n\r ]/.test(
        frame
          .replace(/^[56][0-9]*-/, '')
          .replace(/^.\/[^,]*,?/, '')
          .slice(0, 20)
          .replace(/[[{"].*$/, ''),
      )
    ) {
      return 'whitespace read as an ack id';
    }
  }
  if (p.id !== undefined && !Number.isSafeInteger(p.id)) return 'ack id beyond 2^53';
  if ((p.type === 2 || p.type === 3 || p.type === 4) && p.data === undefined) return 'missing data';
  if (containsUndefined(p.data)) return 'non-integer placeholder num';
  if (revision === 4) {
    const d = p.data;
    if ((p.type === 0 || p.type === 4) && (d === null || Array.isArray(d))) return 'parser 3 takes any typeof "object"';
    if (p.type === 2 && Array.isArray(d) && typeof d[0] === 'string' && RESERVED_EVENT_NAMES.has(d[0])) return 'parser 3 has no reserved names';
  }
  return null;
}

function containsUndefined(v: unknown): boolean {
  if (v === undefined) return true;
  if (typeof v !== 'object' || v === null || Buffer.isBuffer(v)) return false;
  return Object.values(v).some(containsUndefined);
}

function assertExplained(frames: readonly Frame[], revision: SioRevision): Divergence {
  const r = compare(frames, revision);
  const where = `revision ${revision}: ${JSON.stringify(frames)} → ours ${JSON.stringify(r.ours)}, reference ${JSON.stringify(r.ref)}`;
  switch (r.kind) {
    case 'same':
    case 'early':
      break;
    case 'stricter': {
      const p = (r.ref as { packet: SioPacket }).packet;
      assert.ok(stricterBecause(p, r.text, revision) !== null, `unexplained rejection, ${where}`);
      break;
    }
    case 'laxer':
      assert.ok(revision === 4 && typeof r.text === 'string' && /^[56]0+-/.test(r.text), `unexplained acceptance, ${where}`);
      break;
  }
  return r.kind;
}

const P0 = '{"_placeholder":true,"num":0}';
const P1 = '{"_placeholder":true,"num":1}';

/** [frames, expected in revision 5, expected in revision 4] */
const CORPUS: [Frame[], Divergence, Divergence][] = [
  // Well-formed, every type.
  [['0'], 'same', 'same'],
  [['0{}'], 'same', 'same'],
  [['0{"token":"x","n":[1]}'], 'same', 'same'],
  [['0/admin,'], 'same', 'same'],
  [['0/admin,{"a":1}'], 'same', 'same'],
  [['0/admin'], 'same', 'same'],
  [['0/chat?query=1,'], 'same', 'same'],
  [['0/chat?a=1&b=%2C'], 'same', 'same'],
  [['0/?x,'], 'same', 'same'],
  [['1'], 'same', 'same'],
  [['1/admin,'], 'same', 'same'],
  [['2["a"]'], 'same', 'same'],
  [['2["a",1,{"b":null},[true]]'], 'same', 'same'],
  [['2/admin,["a"]'], 'same', 'same'],
  [['2/chat?x,["a"]'], 'same', 'same'],
  [['212["a"]'], 'same', 'same'],
  [['2/admin,12["a"]'], 'same', 'same'],
  [['2007["a"]'], 'same', 'same'],
  [['29007199254740991["a"]'], 'same', 'same'],
  [['2[1]'], 'same', 'same'],
  [['2[-1.5e3,"x"]'], 'same', 'same'],
  [['2/,["a"]'], 'same', 'same'],
  [['2//,["a"]'], 'same', 'same'],
  [['2/a b€😀,["a"]'], 'same', 'same'],
  [['2/a"[{,["a"]'], 'same', 'same'],
  [['2["a"]  \n'], 'same', 'same'],
  [['2["\\u00e9\\ud800"]'], 'same', 'same'],
  [['2["Connect"]'], 'same', 'same'],
  [['2["a",' + P0 + ']'], 'same', 'same'],
  [['3[]'], 'same', 'same'],
  [['312[]'], 'same', 'same'],
  [['3/admin,12["x"]'], 'same', 'same'],
  [['4"err"'], 'same', 'same'],
  [['4{"message":"x","data":{"a":1}}'], 'same', 'same'],
  [['4/admin,{"message":"x"}'], 'same', 'same'],
  [['05{}'], 'same', 'same'],
  [['1/x,3'], 'same', 'same'],
  [['0{"__proto__":{"x":1}}'], 'same', 'same'],
  // Binary, well-formed.
  [['51-["a",' + P0 + ']', bytes(1, 2)], 'same', 'same'],
  [['62-/x,3[' + P1 + ',' + P0 + ']', bytes(1), bytes(2)], 'same', 'same'],
  [['51-["a"]', bytes(1)], 'same', 'same'],
  [['51-["a",{"_placeholder":true,"num":0,"x":1}]', bytes(1)], 'same', 'same'],
  [['51-["a",{"k":[' + P0 + ']}]', bytes(1)], 'same', 'same'],
  [['5001-["a",' + P0 + ']', bytes(1)], 'same', 'same'],
  [['52-["a",' + P0 + ']', bytes(1)], 'same', 'same'],
  [['510-["a"]', ...Array.from({ length: 10 }, (_, i) => bytes(i))], 'same', 'same'],
  [['51-["a",' + P0 + ']', bytes(1), '2["b"]'], 'same', 'same'],
  [['51-["a",{"_placeholder":"yes","num":0}]', bytes(1)], 'same', 'same'],
  // Rejected by both.
  [['7'], 'same', 'same'],
  [['9["a"]'], 'same', 'same'],
  [['a'], 'same', 'same'],
  [['-'], 'same', 'same'],
  [['/chat,["a"]'], 'same', 'same'],
  [['0"x"'], 'same', 'same'],
  [['0true'], 'same', 'same'],
  [['1{}'], 'same', 'same'],
  [['1null'], 'same', 'same'],
  [['2[]'], 'same', 'same'],
  [['2{}'], 'same', 'same'],
  [['2"a"'], 'same', 'same'],
  [['2[null]'], 'same', 'same'],
  [['2[{}]'], 'same', 'same'],
  [['2["a"'], 'same', 'same'],
  [['2[a]'], 'same', 'same'],
  [['2["a"]]'], 'same', 'same'],
  [['2/a,b,["a"]'], 'same', 'same'],
  [['2chat,["a"]'], 'same', 'same'],
  [['3{}'], 'same', 'same'],
  [['3"x"'], 'same', 'same'],
  [['4true'], 'same', 'same'],
  [['41'], 'stricter', 'stricter'],
  [['5'], 'same', 'same'],
  [['5-["a"]'], 'same', 'same'],
  [['51["a"]'], 'same', 'same'],
  [['5x-["a"]'], 'same', 'same'],
  [['511-["a"]'], 'same', 'same'],
  [['51-[' + P0 + ']', bytes(1)], 'same', 'same'],
  [['51-["a",' + P1 + ']', bytes(1)], 'early', 'early'],
  [['51-["a",{"_placeholder":true,"num":"0"}]', bytes(1)], 'early', 'early'],
  [['51-["a",{"_placeholder":true}]', bytes(1)], 'early', 'early'],
  [['51-["a",' + P0 + ']', '2["b"]'], 'same', 'same'],
  [[bytes(1)], 'same', 'same'],
  [['2["a"]', bytes(1)], 'same', 'same'],
  // Deliberate: the reference reads these through Number() coercion.
  [[''], 'stricter', 'stricter'],
  [[' '], 'stricter', 'stricter'],
  [['2 ["a"]'], 'stricter', 'stricter'],
  [['2\t["a"]'], 'stricter', 'stricter'],
  [['21 ["a"]'], 'stricter', 'stricter'],
  [['2/x, ["a"]'], 'stricter', 'stricter'],
  [['0 {}'], 'stricter', 'stricter'],
  [['5 1-["a",' + P0 + ']', bytes(1)], 'stricter', 'stricter'],
  [['51.0-["a",' + P0 + ']', bytes(1)], 'stricter', 'stricter'],
  [['5+1-["a",' + P0 + ']', bytes(1)], 'stricter', 'stricter'],
  [['50x1-["a",' + P0 + ']', bytes(1)], 'stricter', 'stricter'],
  // Deliberate: ack ids beyond 2^53 cannot be echoed back exactly.
  [['39007199254740993[]'], 'stricter', 'stricter'],
  // Deliberate: EVENT/ACK/CONNECT_ERROR without data.
  [['2'], 'stricter', 'stricter'],
  [['2/chat,'], 'stricter', 'stricter'],
  [['2/chat'], 'stricter', 'stricter'],
  [['21'], 'stricter', 'stricter'],
  [['3'], 'stricter', 'stricter'],
  [['3/x,12'], 'stricter', 'stricter'],
  [['4'], 'stricter', 'stricter'],
  [['51-', bytes(1)], 'stricter', 'stricter'],
  // Deliberate: a non-integer num picks no attachment (the reference puts undefined there).
  [['51-["a",{"_placeholder":true,"num":0.5}]', bytes(1)], 'stricter', 'stricter'],
  // Parser 4.2 rules applied to revision 4 too (parser 3 takes null/arrays, has no reserved names).
  [['0[]'], 'same', 'stricter'],
  [['0null'], 'same', 'stricter'],
  [['4[]'], 'same', 'stricter'],
  [['4null'], 'same', 'stricter'],
  [['2["disconnect"]'], 'same', 'stricter'],
  [['2/x,1["newListener",1]'], 'same', 'stricter'],
  [['51-["connect",' + P0 + ']', bytes(1)], 'same', 'stricter'],
  // socket.io-client 2.x's binary(true) without binaries; parser 3.3 (the 2.x client's) accepts it.
  [['50-["a"]'], 'same', 'laxer'],
  [['60-/x,1[]'], 'same', 'laxer'],
];

describe('differential: socket.io-parser 4.2.7 (revision 5) and 3.4.5 (revision 4)', () => {
  test('corpus of tricky inputs: same verdict and packet, or the listed deliberate difference', () => {
    for (const [frames, v5, v4] of CORPUS) {
      assert.equal(assertExplained(frames, 5), v5, `revision 5: ${JSON.stringify(frames)}`);
      assert.equal(assertExplained(frames, 4), v4, `revision 4: ${JSON.stringify(frames)}`);
    }
  });

  // Frames built from plausible parts, mostly consistent (the attachment
  // count matches the binary frames that follow) so that both decoders get
  // well past the header, with junk mixed into every part.
  const typeChar = fc.oneof(
    { weight: 12, arbitrary: fc.constantFrom('0', '1', '2', '3', '4', '5', '6') },
    { weight: 1, arbitrary: fc.constantFrom('7', '9', 'a', '-', '/', '[') },
  );
  const nsp = fc.oneof(
    { weight: 3, arbitrary: fc.constant('') },
    {
      weight: 2,
      arbitrary: fc
        .tuple(fc.constantFrom('/', '/chat', '/a/b', '/chat?x=1', '/?q', '/x"y', '/[1]', '/-'), fc.constantFrom(',', ',', ''))
        .map(([n, c]) => n + c),
    },
  );
  const id = fc.oneof({ weight: 3, arbitrary: fc.constant('') }, { weight: 1, arbitrary: fc.stringMatching(/^[0-9]{1,4}$/) });
  const typical: Record<string, string[]> = {
    0: ['', '{}', '{"token":"x"}'],
    1: [''],
    2: ['["a"]', '["a",1,{"b":[2]}]', '[7]', `["a",${P0}]`],
    3: ['[]', '[1,"x"]'],
    4: ['"nope"', '{"message":"x"}'],
    5: [`["a",${P0}]`, `["a",{"k":[${P0}]}]`, `["a",${P0},${P1}]`, '["a"]'],
    6: [`[${P0}]`, `[${P1},${P0}]`, `[{"x":${P0}}]`],
  };
  const shapes = fc.constantFrom(
    '[]',
    '{}',
    'null',
    '"s"',
    '1',
    'true',
    '["a"]',
    '[1]',
    '[null]',
    '["disconnect"]',
    '["a"',
    '[a]',
    `["a",${P1}]`,
    '["a",{"_placeholder":true,"num":0.5}]',
    '["a",{"_placeholder":true,"num":"0"}]',
    `[${P0}]`,
    `{"a":${P0}}`,
    `["a",[${P0}],{"k":${P1}}]`,
  );
  const eventJson = fc.tuple(fc.oneof(fc.string(), fc.integer()), fc.array(json, { maxLength: 3 })).map(([n, a]) => JSON.stringify([n, ...a]));
  const binaryFrame = fc.uint8Array({ maxLength: 4 }).map((u) => Buffer.from(u));
  const packetFrames: fc.Arbitrary<Frame[]> = typeChar
    .chain((t) => {
      const isBinary = t === '5' || t === '6';
      const count = isBinary
        ? fc.oneof({ weight: 6, arbitrary: fc.constantFrom('1-', '2-') }, { weight: 1, arbitrary: fc.constantFrom('0-', '01-', '11-', '', '1', 'x-', '3-') })
        : fc.oneof({ weight: 8, arbitrary: fc.constant('') }, { weight: 1, arbitrary: fc.constantFrom('1-', '-') });
      const data = fc.oneof(
        { weight: 4, arbitrary: fc.constantFrom(...(typical[t] ?? [''])) },
        { weight: 2, arbitrary: shapes },
        { weight: 1, arbitrary: fc.constant('') },
        { weight: 1, arbitrary: eventJson },
        { weight: 1, arbitrary: fc.json({ maxDepth: 2 }) },
      );
      // -1: as many binary frames as the header announces.
      const binaries = fc.oneof(
        { weight: isBinary ? 6 : 0, arbitrary: fc.constant(-1) },
        { weight: isBinary ? 1 : 8, arbitrary: fc.constant(0) },
        { weight: 1, arbitrary: fc.nat(3) },
      );
      return fc.tuple(fc.constant(t), count, nsp, id, data, binaries, fc.array(binaryFrame, { minLength: 3, maxLength: 3 }));
    })
    .map(([t, count, n, i, d, binaries, pool]) => {
      const wanted = binaries === -1 ? Math.min(3, Number.parseInt(count, 10) || 0) : binaries;
      return [t + count + n + i + d, ...pool.slice(0, wanted)];
    });
  const frames = fc.array(packetFrames, { minLength: 1, maxLength: 3 }).map((ps) => ps.flat());

  for (const revision of [5, 4] as const) {
    test(`revision ${revision}: generated frame sequences get the reference's verdict, or an explained difference`, () => {
      fc.assert(
        fc.property(frames, (f) => void assertExplained(f, revision)),
        { numRuns: 4000 },
      );
    });
  }

  test('the reference decoders read our frames as we do (revision 5: parser 4.2.7)', () => {
    fc.assert(
      fc.property(sioPacket(5), (p) => {
        const d = new DecoderV5({ maxAttachments: 1000 });
        const out: PacketV5[] = [];
        d.on('decoded', (x) => out.push(x));
        for (const f of encodeSioPacket(p, 5)) d.add(typeof f === 'string' ? f : Buffer.from(f.buffer, f.byteOffset, f.byteLength));
        assert.equal(out.length, 1);
        assert.deepEqual(normalise(out[0]!, 5), expectedPacket(p));
      }),
      { numRuns: 1000 },
    );
  });

  test('the reference decoders read our frames as we do (revision 4: parser 3.4.5)', () => {
    fc.assert(
      fc.property(sioPacket(4), (p) => {
        const d = new parserV3.Decoder({ maxAttachments: 1000 });
        const out: PacketV5[] = [];
        d.on('decoded', (x) => out.push(x));
        for (const f of encodeSioPacket(p, 4)) d.add(typeof f === 'string' ? f : Buffer.from(f.buffer, f.byteOffset, f.byteLength));
        assert.equal(out.length, 1);
        assert.deepEqual(normalise(out[0]!, 4), expectedPacket(p));
      }),
      { numRuns: 1000 },
    );
  });

  test('our frames equal the reference encoder’s (parser 4.2.7)', () => {
    const encoder = new EncoderV5();
    fc.assert(
      fc.property(sioPacket(5), (p) => {
        const type = p.type === 5 ? 2 : p.type === 6 ? 3 : p.type;
        const theirs = encoder.encode({ ...p, type }) as (string | Buffer | ArrayBuffer | ArrayBufferView)[];
        assert.deepEqual(plainFrames(encodeSioPacket(p, 5)), plainFrames(theirs));
      }),
      { numRuns: 1000 },
    );
  });

  test('our frames equal the reference encoder’s (parser 3.4.5, with socket.io-client 2.x’s query in the namespace)', () => {
    const encoder = new parserV3.Encoder();
    fc.assert(
      fc.property(sioPacket(4), (p) => {
        const isEventOrAck = p.type === 2 || p.type === 3 || p.type === 5 || p.type === 6;
        const isAck = p.type === 3 || p.type === 6;
        // socket.io 2.x picks BINARY_* itself (has-binary2), then encodes.
        const type = isEventOrAck ? (hasBinary(p.data) ? (isAck ? 6 : 5) : isAck ? 3 : 2) : p.type;
        const nspWithQuery = p.query === undefined ? p.nsp : `${p.nsp}?${p.query}`;
        let theirs: (string | Buffer | ArrayBuffer | ArrayBufferView)[] = [];
        const packet: { type: number; nsp: string; data?: unknown; id?: number } = { type, nsp: nspWithQuery };
        if (p.data !== undefined) packet.data = p.data;
        if (p.id !== undefined) packet.id = p.id;
        encoder.encode(packet, (frames) => (theirs = frames));
        assert.deepEqual(plainFrames(encodeSioPacket(p, 4)), plainFrames(theirs));
      }),
      { numRuns: 1000 },
    );
  });

  test('socket.io 2.x servers take the CONNECT namespace and query with url.parse: same split for URL-safe namespaces', () => {
    for (const frame of ['0/chat?query=1,', '0/chat?token=a%2Cb&x=%3F,', '0/?a=1,', '0/a/b?c=d&e,', '0/chat?,', '0/chat,', '0/chat?a?b,']) {
      const ours = new SioDecoder({ revision: 4 }).add(frame)!;
      const nsp = frame.slice(1).replace(/,$/, '');
      const url = parseUrl(nsp);
      assert.equal(ours.nsp, url.pathname, frame);
      assert.equal(ours.query ?? null, url.search === null ? null : url.search.slice(1), frame);
    }
  });
});
