import fc from 'fast-check';
import type { Sio06Message } from '../src/index.js';
import { mutateString, mutations } from './arbitraries.js';

export { mutateString, mutations };

const codePoint = fc
  .integer({ min: 0, max: 0x10ffff })
  .filter((c) => c < 0xd800 || c > 0xdfff)
  .map((c) => String.fromCodePoint(c));
const astral = fc.integer({ min: 0x10000, max: 0x10ffff }).map((c) => String.fromCodePoint(c));
const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));
// Characters that mean something to the framing, the message kinds, JSON, JS
// literals, HTML, multipart or form encoding, so they show up often.
const special = fc.constantFrom(
  '~',
  'm',
  '~m~',
  '~m~5~m~',
  '~m~0~m~',
  '~j~',
  '~h~',
  '~h~1',
  '0',
  '1',
  '9',
  '\n',
  '\r\n',
  '\u2028',
  '\u2029',
  '"',
  '\\',
  '/',
  '<',
  '</script>',
  '</SCRIPT ',
  '<!--',
  '-->',
  '&',
  '=',
  '+',
  '%',
  '%7E',
  '%zz',
  'é',
  '中',
  '😀',
  '𝄞',
  '\0',
  '\ufffd',
  '\n--socketio\n',
  '{',
  '}',
  '[',
);

/** One unit of test text; lone surrogates included, since messages are JS strings. */
export const unit = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 1 }) },
  { weight: 2, arbitrary: codePoint },
  { weight: 2, arbitrary: astral },
  { weight: 1, arbitrary: loneSurrogate },
  { weight: 4, arbitrary: special },
);
const wellFormedUnit = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 1 }) },
  { weight: 2, arbitrary: codePoint },
  { weight: 2, arbitrary: astral },
  { weight: 4, arbitrary: special },
);

/** Any message text, the empty one and very long ones included. */
export const text = fc.oneof(
  { weight: 10, arbitrary: fc.string({ unit, maxLength: 40 }) },
  { weight: 1, arbitrary: fc.constant('') },
  { weight: 1, arbitrary: fc.string({ unit, minLength: 100, maxLength: 1200 }) },
);
/** Text without lone surrogates: what survives UTF-8 and a browser's form encoding. */
export const wellFormedText = fc.string({ unit: wellFormedUnit, maxLength: 40 });

export const messages = fc.array(text, { maxLength: 8 });
export const wellFormedMessages = fc.array(wellFormedText, { maxLength: 8 });

/** Values as they come back from JSON (no undefined, -0, NaN...). */
export const json: fc.Arbitrary<unknown> = fc.jsonValue({ maxDepth: 3, stringUnit: unit }).map((v) => JSON.parse(JSON.stringify(v)) as unknown);

export const heartbeatCounter = fc.oneof(fc.nat().map(String), fc.stringMatching(/^[0-9]{1,25}$/));

/** Any message in the form the decoder returns it, so encode → decode must give it back. */
export const sio06Message: fc.Arbitrary<Sio06Message> = fc.oneof(
  text.filter((s) => !s.startsWith('~j~') && !s.startsWith('~h~')).map((data): Sio06Message => ({ kind: 'text', data })),
  json.map((data): Sio06Message => ({ kind: 'json', data })),
  heartbeatCounter.map((n): Sio06Message => ({ kind: 'heartbeat', n })),
);

/** Strings shaped like messages with random tails, to fuzz past the prefix checks. */
export const roughMessage = fc
  .tuple(fc.constantFrom('', '~h~', '~j~', '~h', '~j', '~m~', '~H~', '~J~'), fc.oneof(text, fc.json(), fc.stringMatching(/^[0-9 +-.e]{0,6}$/)))
  .map(([head, tail]) => head + tail);

// Declared lengths are usually right and occasionally off by a little.
const lengthSkew = fc.oneof({ weight: 8, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: -2, max: 2 }) });

/** Payloads with random frames: lengths mostly right, odd digit strings, random separators. */
export const roughPayload = fc
  .array(
    fc.tuple(
      fc.oneof({ weight: 8, arbitrary: fc.constant('~m~') }, { weight: 1, arbitrary: fc.constantFrom('', '~m', '~M~', 'm~', '~~m~') }),
      fc.oneof({ weight: 6, arbitrary: fc.constant('') }, { weight: 1, arbitrary: fc.constantFrom('0', '00', '-', '+', ' ', 'x', '1e1', '0x') }),
      lengthSkew,
      fc.oneof({ weight: 8, arbitrary: fc.constant('~m~') }, { weight: 1, arbitrary: fc.constantFrom('', '~m', '~', 'x~m~', '~m~~m~') }),
      text,
    ),
    { minLength: 1, maxLength: 4 },
  )
  .map((frames) => frames.map(([open, pad, skew, close, message]) => `${open}${pad}${Math.max(0, message.length + skew)}${close}${message}`).join(''));
