import fc from 'fast-check';
import { EIO_PACKET_TYPES, type EioPacket } from '../src/index.js';

export const packetType = fc.constantFrom(...EIO_PACKET_TYPES);

const codePoint = fc
  .integer({ min: 0, max: 0x10ffff })
  .filter((c) => c < 0xd800 || c > 0xdfff)
  .map((c) => String.fromCodePoint(c));
const astral = fc.integer({ min: 0x10000, max: 0x10ffff }).map((c) => String.fromCodePoint(c));
const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));
// Characters that mean something to one of the framings, so they show up often.
const framing = fc.constantFrom('\x1e', ':', 'b', '0', '4', '9', '=', '\uFEFF', '\x00', '\xff', '€', '😀');

/** One UTF-16 "unit" of test text: any code point, lone surrogates included. */
const textUnit = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 1 }) },
  { weight: 3, arbitrary: codePoint },
  { weight: 2, arbitrary: astral },
  { weight: 1, arbitrary: loneSurrogate },
  { weight: 2, arbitrary: framing },
);

export const text = fc.string({ unit: textUnit, maxLength: 40 });

/** Text without lone surrogates, which UTF-8 cannot carry. */
export const wellFormedText = fc.string({
  unit: fc.oneof(codePoint, astral, framing, fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 })),
  maxLength: 40,
});

/** Bytes as Buffers, plain Uint8Arrays, and views at an offset into a larger buffer. */
export const bytes: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.uint8Array({ maxLength: 48 }),
  fc.uint8Array({ maxLength: 48 }).map((u) => Buffer.from(u)),
  fc.tuple(fc.uint8Array({ maxLength: 48 }), fc.nat(7), fc.nat(7)).map(([u, before, after]) => {
    const backing = new Uint8Array(before + u.length + after).fill(0xaa);
    backing.set(u, before);
    return backing.subarray(before, before + u.length);
  }),
  { arbitrary: fc.uint8Array({ minLength: 200, maxLength: 3000 }), weight: 1 },
);

const bare = packetType.map((type): EioPacket => ({ type }));

/** Any v3 packet: every type may carry text or binary. */
export const v3Packet: fc.Arbitrary<EioPacket> = fc.oneof(bare, fc.record({ type: packetType, data: text }), fc.record({ type: packetType, data: bytes }));

/** Any v4 packet: only messages may be binary. */
export const v4Packet: fc.Arbitrary<EioPacket> = fc.oneof(
  bare,
  fc.record({ type: packetType, data: text }),
  bytes.map((data): EioPacket => ({ type: 'message', data })),
);

/** v4 packets that fit in a polling payload (no U+001E in text). */
export const v4PayloadPacket = v4Packet.filter((p) => typeof p.data !== 'string' || !p.data.includes('\x1e'));

type Mutation = [kind: 'delete' | 'insert' | 'replace' | 'truncate' | 'duplicate', at: number, value: number];

const mutation = fc.tuple(
  fc.constantFrom('delete', 'insert', 'replace', 'truncate', 'duplicate'),
  fc.nat(),
  fc.oneof(fc.constantFrom(0, 1, 9, 10, 0x1e, 0x30, 0x34, 0x3a, 0x62, 0xff, 0xd800), fc.nat(0xffff)),
) as fc.Arbitrary<Mutation>;

export const mutations = fc.array(mutation, { minLength: 1, maxLength: 4 });

/** Applies small edits to a valid encoding, to fuzz just around the valid set. */
export function mutateString(s: string, edits: readonly Mutation[]): string {
  for (const [kind, at, value] of edits) s = mutateOne(s, kind, at, String.fromCharCode(value));
  return s;
}

export function mutateBytes(b: Uint8Array, edits: readonly Mutation[]): Buffer {
  let s = Buffer.from(b).toString('latin1');
  for (const [kind, at, value] of edits) s = mutateOne(s, kind, at, String.fromCharCode(value & 0xff));
  return Buffer.from(s, 'latin1');
}

function mutateOne(s: string, kind: Mutation[0], at: number, c: string): string {
  const i = s.length === 0 ? 0 : at % (s.length + 1);
  switch (kind) {
    case 'delete':
      return s.slice(0, i) + s.slice(i + 1);
    case 'insert':
      return s.slice(0, i) + c + s.slice(i);
    case 'replace':
      return s.slice(0, i) + c + s.slice(i + 1);
    case 'truncate':
      return s.slice(0, i);
    case 'duplicate':
      return s.slice(0, i) + s.slice(i, i + 3) + s.slice(i);
  }
}

// Declared lengths are usually right and occasionally off by a little, so
// framing mostly holds and the packet decoders see random contents.
const lengthSkew = fc.oneof({ weight: 8, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: -2, max: 2 }) });

/** v3 string-form bodies with random entries: "<length>:<random text>"... */
export const roughV3StringPayload = fc
  .array(
    fc.oneof(
      fc.tuple(fc.constantFrom('0', '1', '2', '3', '4', '5', '6', '7', 'x'), text),
      fc.tuple(fc.constantFrom('b0', 'b4', 'b6', 'b', 'b7'), fc.oneof(fc.base64String(), text)),
    ),
    { minLength: 1, maxLength: 4 },
  )
  .chain((entries) => fc.tuple(fc.constant(entries), fc.array(lengthSkew, { minLength: entries.length, maxLength: entries.length })))
  .map(([entries, skews]) => entries.map(([head, tail], i) => `${Math.max(0, head.length + tail.length + (skews[i] ?? 0))}:${head}${tail}`).join(''));

/** v3 binary-form bodies with random entries: kind, digit bytes, 255, random content. */
export const roughV3BinaryPayload = fc
  .array(
    fc.tuple(
      fc.oneof({ weight: 6, arbitrary: fc.constantFrom(0, 1) }, { weight: 1, arbitrary: fc.nat(255) }),
      fc.oneof(
        { weight: 4, arbitrary: fc.integer({ min: 0, max: 6 }) },
        { weight: 4, arbitrary: fc.integer({ min: 0x30, max: 0x36 }) },
        { weight: 1, arbitrary: fc.nat(255) },
      ),
      fc.uint8Array({ maxLength: 24 }),
      fc.oneof(
        wellFormedText.map((s) => Buffer.from(s, 'utf8')),
        fc.constant(Buffer.alloc(0)),
      ),
      lengthSkew,
    ),
    { minLength: 1, maxLength: 4 },
  )
  .map((entries) =>
    Buffer.concat(
      entries.map(([kind, head, raw, utf8, skew]) => {
        const content = Buffer.concat([Buffer.of(head), kind === 0 ? utf8 : raw]);
        const digits = Array.from(String(Math.max(0, content.length + skew)), Number);
        return Buffer.concat([Buffer.of(kind, ...digits, 255), content]);
      }),
    ),
  );
