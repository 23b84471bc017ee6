import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  decodeJsonpForm,
  decodeLegacyPacket,
  decodeLegacyPayload,
  encodeLegacyPacket,
  encodeLegacyPayload,
  htmlfileChunk,
  legacyJsonp,
  type LegacyPacket,
} from '../src/index.js';
import { legacyPacket, mutateString, mutations, roughPacket, text } from './sio1-arbitraries.js';
import { assertWellFormed, onlyLegacyErrors, runHtmlfile, runJsonp } from './sio1-helpers.js';

const runs = { numRuns: 1000 };

// The regex both 0.9 peers decode with (SPEC §3); used as the reference reader.
const REFERENCE = /([^:]+):([0-9]+)?(\+)?:([^:]+)?:?([\s\S]*)?/;
const TYPE_DIGIT: Record<LegacyPacket['type'], string> = {
  disconnect: '0',
  connect: '1',
  heartbeat: '2',
  message: '3',
  json: '4',
  event: '5',
  ack: '6',
  error: '7',
  noop: '8',
};

/** 0.9.16's payload reader: lenient, but the authority on what a length means. */
function referencePayload(body: string): string[] {
  if (body.charAt(0) !== '\ufffd') return [body];
  const out: string[] = [];
  for (let i = 1, length = ''; i < body.length; i++) {
    if (body.charAt(i) === '\ufffd') {
      out.push(body.substr(i + 1).substr(0, Number(length)));
      i += Number(length) + 1;
      length = '';
    } else {
      length += body.charAt(i);
    }
  }
  return out;
}

/** Decoding again must not change anything: whatever was accepted has one canonical encoding. */
function assertStable(p: LegacyPacket): void {
  assertWellFormed(p);
  const once = encodeLegacyPacket(p);
  // One more trip first: decoded numbers like 1e400 only reach their JSON form (null) on the way out.
  const twice = encodeLegacyPacket(decodeLegacyPacket(once));
  assert.equal(encodeLegacyPacket(decodeLegacyPacket(twice)), twice);
}

/** The fields 0.9's regex reads out of `s` agree with what we decoded. */
function assertReferenceAgrees(s: string, p: LegacyPacket): void {
  const m = REFERENCE.exec(s);
  assert.ok(m !== null && m.index === 0, s);
  assert.equal(m[1], TYPE_DIGIT[p.type]);
  assert.equal(m[4] ?? '', p.endpoint);
  if ('id' in p && p.id !== undefined) {
    assert.equal(Number(m[2]), p.id);
    assert.equal(m[3] === '+', p.dataAck === true);
  } else {
    assert.equal(m[2], undefined);
  }
  const data = m[5] ?? '';
  if (p.type === 'message') assert.equal(data, p.data);
  if (p.type === 'connect') assert.equal(data, p.query ?? '');
  if (p.type === 'ack') assert.equal(Number(/^[0-9]+/.exec(data)?.[0]), p.ackId);
}

test('packet: encode → decode gives the packet back', () => {
  fc.assert(
    fc.property(legacyPacket, (p) => {
      const s = encodeLegacyPacket(p);
      const back = decodeLegacyPacket(s);
      assert.deepEqual(back, p);
      assertWellFormed(back);
      assert.equal(encodeLegacyPacket(back), s);
    }),
    runs,
  );
});

test("packet: 0.9's decoder regex reads every encoding back to the same fields", () => {
  fc.assert(
    fc.property(legacyPacket, (p) => {
      const s = encodeLegacyPacket(p);
      assert.ok((s.match(/:/g) ?? []).length >= 2);
      assertReferenceAgrees(s, p);
    }),
    runs,
  );
});

test('packet: mutated encodings throw nothing but LegacyDecodeError; what is accepted is stable', () => {
  fc.assert(
    fc.property(legacyPacket, mutations, (p, edits) => {
      const s = mutateString(encodeLegacyPacket(p), edits);
      const got = onlyLegacyErrors(() => decodeLegacyPacket(s));
      if (got === undefined) return;
      assertReferenceAgrees(s, got);
      assertStable(got);
    }),
    { numRuns: 3000 },
  );
});

test('packet: random and packet-shaped strings throw nothing but LegacyDecodeError', () => {
  const input = fc.oneof(
    text,
    fc.string({ unit: 'binary' }),
    roughPacket,
    fc.tuple(roughPacket, mutations).map(([s, e]) => mutateString(s, e)),
  );
  fc.assert(
    fc.property(input, (s) => {
      const got = onlyLegacyErrors(() => decodeLegacyPacket(s));
      if (got === undefined) return;
      assertReferenceAgrees(s, got);
      assertStable(got);
    }),
    { numRuns: 5000 },
  );
});

test('payload: encode → decode gives the packet list back, for any packets', () => {
  fc.assert(
    fc.property(fc.array(legacyPacket.map(encodeLegacyPacket), { maxLength: 6 }), (packets) => {
      const body = encodeLegacyPayload(packets);
      assert.deepEqual(decodeLegacyPayload(body), packets);
      assert.deepEqual(referencePayload(body), packets.length === 0 ? [''] : packets);
      if (packets.length === 1) assert.equal(body, packets[0]);
    }),
    runs,
  );
});

test('payload: encode → decode is the identity on any list of strings', () => {
  fc.assert(
    fc.property(fc.array(text, { maxLength: 6 }), (packets) => {
      assert.deepEqual(decodeLegacyPayload(encodeLegacyPayload(packets)), packets);
    }),
    runs,
  );
});

test('payload: mutated and random bodies throw nothing but LegacyDecodeError; accepted ones re-encode to the same list', () => {
  const body = fc.oneof(
    fc
      .tuple(fc.array(legacyPacket.map(encodeLegacyPacket), { minLength: 2, maxLength: 4 }), mutations)
      .map(([ps, e]) => mutateString(encodeLegacyPayload(ps), e)),
    text.map((t) => `\ufffd${t}`),
    fc.array(fc.oneof(text, fc.constantFrom('\ufffd', '\ufffd3\ufffd', '12')), { maxLength: 6 }).map((parts) => parts.join('')),
  );
  fc.assert(
    fc.property(body, (b) => {
      const got = onlyLegacyErrors(() => decodeLegacyPayload(b));
      if (got === undefined) return;
      // What strict framing accepts, 0.9's lenient reader reads the same way.
      assert.deepEqual(referencePayload(b), b === '' ? [''] : got);
      assert.deepEqual(decodeLegacyPayload(encodeLegacyPayload(got)), got);
    }),
    { numRuns: 3000 },
  );
});

test('jsonp: the script hands any payload to io.j[i] unchanged', () => {
  fc.assert(
    fc.property(text, fc.nat(99), (payload, i) => {
      assert.deepEqual(runJsonp(legacyJsonp(String(i), payload)), { index: i, arg: payload });
    }),
    { numRuns: 300 },
  );
});

test('htmlfile: any payload reaches _() unchanged and never closes the <script> early', () => {
  fc.assert(
    fc.property(text, (payload) => {
      const chunk = htmlfileChunk(payload);
      const inner = chunk.slice('<script>'.length, -'</script>'.length);
      assert.ok(!inner.includes('<'));
      assert.ok(!/[\u2028\u2029]/.test(chunk));
      assert.equal(runHtmlfile(chunk), payload);
    }),
    { numRuns: 300 },
  );
});

test('jsonp form: a browser-encoded d field gives the payload back; random bodies throw only LegacyDecodeError', () => {
  fc.assert(
    fc.property(text, (payload) => {
      const d = encodeURIComponent(JSON.stringify(payload)).replace(/%20/g, '+');
      assert.equal(decodeJsonpForm(`d=${d}`), payload);
    }),
    runs,
  );
  const body = fc.oneof(
    text,
    text.map((t) => `d=${t}`),
    fc.tuple(text, mutations).map(([t, e]) => mutateString(`d=${encodeURIComponent(JSON.stringify(t))}`, e)),
  );
  fc.assert(
    fc.property(body, (b) => {
      const got = onlyLegacyErrors(() => decodeJsonpForm(b));
      if (got !== undefined) assert.equal(typeof got, 'string');
    }),
    { numRuns: 3000 },
  );
});
