import fc from 'fast-check';
import { RESERVED_EVENT_NAMES, type SioPacket, type SioRevision } from '../src/index.js';
import { bytes, text } from './arbitraries.js';

/** JSON values that survive a JSON round trip exactly (no -0). */
export const json: fc.Arbitrary<unknown> = fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.parse(JSON.stringify(v)) as unknown);

/** Every kind of binary the encoder takes: Buffers, Uint8Array views, ArrayBuffers, other typed arrays. */
export const binary: fc.Arbitrary<ArrayBufferView | ArrayBuffer> = fc.oneof(
  { weight: 4, arbitrary: bytes },
  bytes.map((u) => u.slice().buffer),
  fc.uint8Array({ maxLength: 16 }).map((u) => new Float64Array(new Uint8Array([...u, ...new Uint8Array(8 - (u.length % 8))]).buffer)),
  fc.uint8Array({ maxLength: 16 }).map((u) => new DataView(u.buffer)),
  fc.uint8Array({ maxLength: 16 }).map((u) => new Uint16Array(new Uint8Array([...u, ...new Uint8Array(u.length % 2)]).buffer, 0)),
);

/** Nested data in which binaries may appear anywhere. */
export const dataWithBinary: fc.Arbitrary<unknown> = fc.letrec<{ node: unknown }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    json,
    binary,
    fc.array(tie('node'), { maxLength: 4 }),
    fc.dictionary(fc.string({ maxLength: 6 }), tie('node'), { maxKeys: 4 }),
  ),
})).node;

/** Binaries appear in about half of the generated argument lists. */
const argument = fc.oneof({ weight: 2, arbitrary: json }, { weight: 1, arbitrary: dataWithBinary });
const args = fc.array(argument, { maxLength: 4 });

const eventName: fc.Arbitrary<string | number> = fc.oneof(
  { weight: 4, arbitrary: text.filter((s) => !RESERVED_EVENT_NAMES.has(s)) },
  { weight: 1, arbitrary: fc.constantFrom('message', 'chat message', '', '0', '[', ',', '/x') },
  {
    weight: 1,
    arbitrary: fc.oneof(
      fc.integer(),
      fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => !Object.is(n, -0)),
    ),
  },
);

const namespaceTail = fc.string({
  unit: fc.oneof(
    fc.constantFrom('a', 'z', '/', '?', '=', '&', ' ', '"', '[', '{', '1', '-', '€', '😀'),
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }),
  ),
  maxLength: 8,
});

/** Namespaces an encoder accepts (no ","), "/" most often. */
export const namespace = fc.oneof(
  { weight: 3, arbitrary: fc.constant('/') },
  { weight: 2, arbitrary: fc.constantFrom('/chat', '/admin', '/a/b', '/1') },
  { weight: 3, arbitrary: namespaceTail.filter((s) => !s.includes(',')).map((s) => `/${s}`) },
);

const ackId = fc.oneof(fc.nat(1000), fc.maxSafeNat());
const object = fc.dictionary(fc.string({ maxLength: 6 }), json, { maxKeys: 4 });

/** Packets valid for `revision`, every type, with binaries in EVENT/ACK data. */
export function sioPacket(revision: SioRevision): fc.Arbitrary<SioPacket> {
  const nsp = namespace;
  const connectNsp = revision === 4 ? namespace.filter((n) => !n.includes('?')) : namespace;
  const query = fc.string({ maxLength: 12 }).filter((q) => !q.includes(','));
  const id = fc.option(ackId, { nil: undefined });
  return fc.oneof(
    revision === 4
      ? fc.record({ type: fc.constant(0 as const), nsp: connectNsp, data: object, query }, { requiredKeys: ['type', 'nsp'] })
      : fc.record({ type: fc.constant(0 as const), nsp: connectNsp, data: object }, { requiredKeys: ['type', 'nsp'] }),
    fc.record({ type: fc.constant(1 as const), nsp }),
    fc.record(
      { type: fc.constantFrom(2 as const, 5 as const), nsp, id, data: fc.tuple(eventName, args).map(([n, a]) => [n, ...a]) },
      { requiredKeys: ['type', 'nsp', 'data'] },
    ),
    fc.record({ type: fc.constantFrom(3 as const, 6 as const), nsp, id, data: args }, { requiredKeys: ['type', 'nsp', 'data'] }),
    fc.record({ type: fc.constant(4 as const), nsp, data: fc.oneof(text, object) }),
  );
}
