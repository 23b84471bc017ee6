import assert from 'node:assert/strict';
import { test } from 'node:test';
import vm from 'node:vm';
import fc from 'fast-check';
import {
  decodeSio06Form,
  decodeSio06Message,
  decodeSio06Payload,
  encodeSio06Frame,
  encodeSio06Message,
  encodeSio06Payload,
  sio06FlashPolicyXml,
  sio06HtmlfileChunk,
  sio06JsonpPoll,
  sio06MultipartPart,
  sio06TextOf,
} from '../src/index.js';
import {
  json,
  messages,
  mutateString,
  mutations,
  roughMessage,
  roughPayload,
  sio06Message,
  text,
  unit,
  wellFormedMessages,
  wellFormedText,
} from './sio06-arbitraries.js';
import { hasLoneSurrogate, onlySio06Errors, referenceDecode, runHtmlfile, runJsonp } from './sio06-helpers.js';

const runs = { numRuns: 1000 };

// ----------------------------------------------------------------- payloads

test('payload round trip: any message list (unicode, astral, lone surrogates, ~m~ inside, empty messages)', () => {
  fc.assert(
    fc.property(messages, (ms) => {
      const body = encodeSio06Payload(ms);
      assert.deepEqual(decodeSio06Payload(body), ms);
      assert.equal(body, ms.map(encodeSio06Frame).join(''));
    }),
    runs,
  );
});

test('every frame declares the UTF-16 length of its message, and the payload agrees with 0.6 own reader', () => {
  fc.assert(
    fc.property(messages, (ms) => {
      for (const m of ms) assert.equal(encodeSio06Frame(m), `~m~${m.length}~m~${m}`);
      assert.deepEqual(referenceDecode(encodeSio06Payload(ms)), ms);
    }),
    runs,
  );
});

test('the decoder throws only Sio06DecodeError on arbitrary strings', () => {
  fc.assert(
    fc.property(fc.string({ unit, maxLength: 60 }), (s) => void onlySio06Errors(() => decodeSio06Payload(s))),
    runs,
  );
  fc.assert(
    fc.property(fc.string({ unit: fc.constantFrom('~', 'm', '0', '1', '9', 'x'), maxLength: 30 }), (s) => void onlySio06Errors(() => decodeSio06Payload(s))),
    runs,
  );
});

test('whatever the strict decoder accepts means what it meant to 0.6 (rough and mutated payloads)', () => {
  const check = (body: string): void => {
    const got = onlySio06Errors(() => decodeSio06Payload(body));
    if (got === undefined || body === '') return;
    assert.deepEqual(got, referenceDecode(body), JSON.stringify(body));
    // re-encoding gives the same messages, and the same bytes unless a length had leading zeros
    assert.deepEqual(decodeSio06Payload(encodeSio06Payload(got)), got);
    if (!/~m~0[0-9]/.test(body)) assert.equal(encodeSio06Payload(got), body);
  };
  fc.assert(fc.property(roughPayload, check), { numRuns: 3000 });
  fc.assert(
    fc.property(messages, mutations, (ms, edits) => check(mutateString(encodeSio06Payload(ms), edits))),
    { numRuns: 3000 },
  );
});

test('a payload cut anywhere inside its last frame is refused, never read short', () => {
  fc.assert(
    fc.property(fc.array(text, { minLength: 1, maxLength: 5 }), fc.nat(), (ms, cut) => {
      const body = encodeSio06Payload(ms);
      const last = encodeSio06Frame(ms[ms.length - 1] as string);
      const kept = body.length - 1 - (cut % last.length); // drop 1 .. last.length code units
      const got = onlySio06Errors(() => decodeSio06Payload(body.slice(0, kept)));
      if (kept === body.length - last.length)
        assert.deepEqual(got, ms.slice(0, -1)); // cut exactly between frames
      else assert.equal(got, undefined, JSON.stringify(body.slice(0, kept)));
    }),
    runs,
  );
});

// ----------------------------------------------------------------- messages

test('message round trip: decode(encode(m)) is m for every message the decoder can return', () => {
  fc.assert(
    fc.property(sio06Message, (m) => assert.deepEqual(decodeSio06Message(encodeSio06Message(m)), m)),
    runs,
  );
});

test('message decode → encode is the identity for text and heartbeats, and stable for JSON', () => {
  const check = (s: string): void => {
    const m = onlySio06Errors(() => decodeSio06Message(s));
    if (m === undefined) return;
    // JSON.parse may give what JSON cannot write back (1e400 is Infinity, written as null): compare as JSON
    if (m.kind === 'json') assert.deepEqual(decodeSio06Message(encodeSio06Message(m)), { kind: 'json', data: JSON.parse(JSON.stringify(m.data)) as unknown });
    else assert.equal(encodeSio06Message(m), s);
  };
  fc.assert(fc.property(roughMessage, check), { numRuns: 3000 });
  fc.assert(
    fc.property(sio06Message, mutations, (m, edits) => check(mutateString(encodeSio06Message(m), edits))),
    { numRuns: 3000 },
  );
});

test('the message decoder throws only Sio06DecodeError, and only for ~j~ / ~h~ messages', () => {
  const check = (s: string): void => {
    try {
      decodeSio06Message(s);
    } catch (e) {
      assert.ok(
        onlySio06Errors(() => {
          throw e;
        }) === undefined,
      );
      assert.ok(s.startsWith('~j~') || s.startsWith('~h~'), JSON.stringify(s));
    }
  };
  fc.assert(fc.property(fc.string({ unit, maxLength: 40 }), check), runs);
  fc.assert(fc.property(roughMessage, check), { numRuns: 3000 });
});

test('messages through a whole payload: frame, concatenate, split, decode', () => {
  fc.assert(
    fc.property(fc.array(sio06Message, { maxLength: 6 }), (ms) => {
      const body = encodeSio06Payload(ms.map(encodeSio06Message));
      assert.deepEqual(decodeSio06Payload(body).map(decodeSio06Message), ms);
    }),
    runs,
  );
});

// --------------------------------------------------------------- sio06TextOf

test('sio06TextOf: plain objects (any realm, any prototype) go as ~j~ + JSON and read back as that JSON', () => {
  const plain = fc.oneof(
    fc.dictionary(fc.string({ unit, maxLength: 8 }), json, { maxKeys: 4 }).map((o) => ({ ...o })),
    fc.dictionary(fc.string({ maxLength: 8 }), json, { maxKeys: 4, noNullPrototype: false }),
    json.map((v) => vm.runInNewContext('(v) => JSON.parse(JSON.stringify({ v }))')(v) as object),
  );
  fc.assert(
    fc.property(plain, (o) => {
      const s = sio06TextOf(o);
      assert.equal(s, `~j~${JSON.stringify(o)}`);
      assert.deepEqual(decodeSio06Message(s), { kind: 'json', data: JSON.parse(JSON.stringify(o)) as unknown });
    }),
    runs,
  );
});

test('sio06TextOf: everything else is String(value): arrays, numbers, strings, booleans, dates', () => {
  const other = fc.oneof(
    fc.array(fc.oneof(fc.integer(), fc.string({ unit, maxLength: 5 }), fc.boolean()), { maxLength: 5 }),
    fc.double(),
    fc.bigInt(),
    text,
    fc.boolean(),
    fc.date({ noInvalidDate: false }),
  );
  fc.assert(
    fc.property(other, (v) => {
      const s = sio06TextOf(v);
      assert.equal(s, String(v));
      if (!s.startsWith('~j~') && !s.startsWith('~h~')) assert.deepEqual(decodeSio06Message(s), { kind: 'text', data: s });
    }),
    runs,
  );
});

// ------------------------------------------------------- JS literal helpers

test('an htmlfile chunk, parsed as HTML and run as JS, hands parent.s._ exactly the payload', () => {
  fc.assert(
    fc.property(text, (p) => assert.equal(runHtmlfile(sio06HtmlfileChunk(p)).payload, p)),
    runs,
  );
  fc.assert(
    fc.property(messages, (ms) => {
      const payload = encodeSio06Payload(ms);
      const chunk = sio06HtmlfileChunk(payload);
      assert.ok(!hasLoneSurrogate(chunk), 'the chunk survives UTF-8');
      assert.deepEqual(decodeSio06Payload(runHtmlfile(chunk).payload as string), ms);
    }),
    runs,
  );
});

test('a jsonp response hands io.JSONP[index]._ exactly the payload, for any index string', () => {
  fc.assert(
    fc.property(fc.oneof(fc.stringMatching(/^[0-9]{0,4}$/), fc.string({ maxLength: 8 })), text, (index, p) => {
      const script = sio06JsonpPoll(index, p);
      assert.ok(!hasLoneSurrogate(script));
      const digits = index.replace(/[^0-9]/g, '').replace(/^0+/, '') || '0';
      assert.deepEqual(runJsonp(script), { index: String(Number(digits)), payload: p });
    }),
    runs,
  );
});

test('a multipart part is header, blank line, payload, boundary', () => {
  fc.assert(
    fc.property(text, (p) => {
      const part = sio06MultipartPart(p);
      assert.ok(part.startsWith('Content-Type: text/plain\n\n') && part.endsWith('\n--socketio\n'));
      assert.equal(part.slice('Content-Type: text/plain\n\n'.length, -'\n--socketio\n'.length), p);
    }),
    runs,
  );
});

// ---------------------------------------------------------------- forms

test('POST forms: both 0.6 client encodings give the payload back, among other fields', () => {
  const other = fc.tuple(
    fc.string({ unit: 'grapheme', maxLength: 5 }).filter((k) => k !== 'data'),
    fc.string({ maxLength: 5 }),
  );
  fc.assert(
    fc.property(wellFormedMessages, fc.array(other, { maxLength: 2 }), fc.array(other, { maxLength: 2 }), (ms, before, after) => {
      const payload = encodeSio06Payload(ms);
      const xhr = `data=${encodeURIComponent(payload)}`;
      assert.equal(decodeSio06Form(xhr), payload);
      const form = new URLSearchParams([...before, ['data', payload], ...after, ['data', 'ignored']]).toString();
      assert.deepEqual(decodeSio06Payload(decodeSio06Form(form)), ms);
    }),
    runs,
  );
});

test('the form decoder throws only Sio06DecodeError, and agrees with URLSearchParams where it succeeds', () => {
  const check = (body: string): void => {
    const got = onlySio06Errors(() => decodeSio06Form(body));
    if (got === undefined || hasLoneSurrogate(body)) return;
    assert.equal(got, new URLSearchParams(body).get('data'), JSON.stringify(body));
  };
  fc.assert(
    fc.property(fc.string({ unit, maxLength: 40 }), (s) => check(`data=${s}`)),
    runs,
  );
  fc.assert(fc.property(fc.string({ unit: fc.constantFrom('d', 'a', 't', '=', '&', '%', '+', '2', 'C', 'F', '9', 'é'), maxLength: 24 }), check), runs);
  fc.assert(
    fc.property(wellFormedText, mutations, (p, edits) => check(mutateString(new URLSearchParams({ data: p }).toString(), edits))),
    { numRuns: 3000 },
  );
});

// ----------------------------------------------------------- flash policy

// Origins with control characters are refused (tested elsewhere).
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

test('the policy file has one well-formed line per origin, whatever the origins hold', () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.string({ unit, maxLength: 12 }).filter((o) => !CONTROL.test(o)),
        { maxLength: 4 },
      ),
      (origins) => {
        const lines = sio06FlashPolicyXml(origins).split('\n');
        assert.equal(lines.length, origins.length + 5);
        assert.equal(lines.pop(), '');
        for (const line of lines.slice(3, -1))
          assert.match(line, /^<allow-access-from domain="[^"<>&]*(?:&#\d+;[^"<>&]*)*" to-ports="[^"<>&]*(?:&#\d+;[^"<>&]*)*"\/>$/);
      },
    ),
    runs,
  );
});
