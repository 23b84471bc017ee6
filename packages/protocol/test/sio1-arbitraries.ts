import fc from 'fast-check';
import type { LegacyErrorAdvice, LegacyErrorReason, LegacyPacket } from '../src/index.js';
import { mutateString, mutations } from './arbitraries.js';

export { mutateString, mutations };

const codePoint = fc
  .integer({ min: 0, max: 0x10ffff })
  .filter((c) => c < 0xd800 || c > 0xdfff)
  .map((c) => String.fromCodePoint(c));
const astral = fc.integer({ min: 0x10000, max: 0x10ffff }).map((c) => String.fromCodePoint(c));
const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));
// Characters that mean something to the packet syntax, the payload framing,
// JSON, JS literals or HTML, so they show up often.
const special = fc.constantFrom(
  ':',
  '::',
  '+',
  '\n',
  '\r\n',
  '\ufffd',
  '\u2028',
  '\u2029',
  '"',
  '\\',
  '/',
  '\\/',
  '<',
  '</script>',
  '<!--',
  '&',
  '=',
  '%',
  '0',
  '1',
  '9',
  '{',
  '[',
  'é',
  '中',
  '😀',
  '\0',
);

/** One unit of test text; lone surrogates included, since packets are JS strings. */
export const unit = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 1 }) },
  { weight: 2, arbitrary: codePoint },
  { weight: 2, arbitrary: astral },
  { weight: 1, arbitrary: loneSurrogate },
  { weight: 4, arbitrary: special },
);

export const text = fc.string({ unit, maxLength: 40 });
/** Text without lone surrogates: what survives UTF-8 and a browser's form encoding. */
export const wellFormedText = fc.string({ unit: fc.oneof(codePoint, astral, special), maxLength: 40 });
const nonEmptyText = fc.string({ unit, minLength: 1, maxLength: 40 });

export const endpoint = fc.oneof(
  fc.constantFrom('', '/', '/chat', '/a/b?c'),
  text.map((s) => s.replaceAll(':', '')),
);

/** Ids in the range the codec guarantees exact: up to 15 digits. */
export const id = fc.oneof(fc.nat(20), fc.integer({ min: 0, max: 999_999_999_999_999 }));

/** Values as they come back from JSON (no undefined, -0, NaN...). */
export const json: fc.Arbitrary<unknown> = fc.jsonValue({ maxDepth: 3, stringUnit: unit }).map((v) => JSON.parse(JSON.stringify(v)) as unknown);
const args = fc.array(json, { maxLength: 4 });

/** The optional id / dataAck pair in decoded (canonical) form. */
const ackRequest: fc.Arbitrary<{ id?: number; dataAck?: true }> = fc.oneof(
  fc.constant({}),
  id.map((i) => ({ id: i })),
  id.map((i) => ({ id: i, dataAck: true as const })),
);

const reason = fc.constantFrom<LegacyErrorReason | ''>('', 'transport not supported', 'client not handshaken', 'unauthorized');
const advice = fc.constantFrom<LegacyErrorAdvice | ''>('', 'reconnect');

/** Any packet in the form the decoder returns it, so encode → decode must give it back. */
export const legacyPacket: fc.Arbitrary<LegacyPacket> = fc
  .oneof(
    fc.record({ type: fc.constant('disconnect' as const), endpoint }),
    fc.record({ type: fc.constant('connect' as const), endpoint }),
    fc.record({ type: fc.constant('connect' as const), endpoint, query: nonEmptyText }),
    fc.record({ type: fc.constant('heartbeat' as const), endpoint }),
    fc.record({ type: fc.constant('noop' as const), endpoint }),
    fc.tuple(endpoint, ackRequest, text).map(([e, a, data]): LegacyPacket => ({ type: 'message', endpoint: e, ...a, data })),
    fc.tuple(endpoint, ackRequest, json).map(([e, a, data]): LegacyPacket => ({ type: 'json', endpoint: e, ...a, data })),
    fc.tuple(endpoint, ackRequest, text, args).map(([e, a, name, as]): LegacyPacket => ({ type: 'event', endpoint: e, ...a, name, args: as })),
    fc.record({ type: fc.constant('ack' as const), endpoint, ackId: id, args }),
    fc.record({ type: fc.constant('error' as const), endpoint, reason, advice }),
  )
  .map((p) => ({ ...p })); // fc.record builds null-prototype objects; the decoder's are plain.

/** Strings shaped like packets with random parts, to fuzz past the type check. */
export const roughPacket = fc
  .tuple(
    fc.constantFrom('0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'x', '', '33'),
    fc.constantFrom('', '1', '1+', '+', '01', '9999999999999999', 'a'),
    fc.constantFrom('', '/chat', '/a b'),
    fc.option(
      fc.oneof(
        text,
        fc.json(),
        fc.json().map((j) => `1+${j}`),
        fc.constantFrom('{"name":"x"}', '{"name":1}', '{"name":"x","args":{}}', '1+', '1+[]', '0+0', '3+9', '+0', '1+0+0', '[1]', '1[1]'),
      ),
      { nil: undefined },
    ),
  )
  .map(([t, i, e, d]) => `${t}:${i}:${e}${d === undefined ? '' : `:${d}`}`);
