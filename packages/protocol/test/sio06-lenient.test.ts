import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { decodeSio06Payload, decodeSio06PayloadLenient, encodeSio06Payload, Sio06DecodeError } from '../src/index.js';

test('lenient 0.6 reader: a well-formed payload reads as the strict one, with no error', () => {
  fc.assert(
    fc.property(fc.array(fc.string({ unit: 'grapheme' })), (messages) => {
      const body = encodeSio06Payload(messages);
      assert.deepEqual(decodeSio06PayloadLenient(body), { messages: decodeSio06Payload(body), error: null });
    }),
  );
});

test('lenient 0.6 reader: what follows a broken frame is dropped, and the damage is reported', () => {
  const r = decodeSio06PayloadLenient('~m~2~m~ok~m~x~m~junk');
  assert.deepEqual(r.messages, ['ok']);
  assert.ok(r.error instanceof Sio06DecodeError);
  assert.deepEqual(decodeSio06PayloadLenient('garbage').messages, []);
  assert.deepEqual(decodeSio06PayloadLenient('~m~2~m~okgarbage').messages, ['ok']);
});

test('lenient 0.6 reader: an overrunning length takes the rest of the body, as 0.6 did', () => {
  const r = decodeSio06PayloadLenient('~m~50~m~short');
  assert.deepEqual(r.messages, ['short']);
  assert.equal(r.error?.reason, 'length-mismatch');
});

test('lenient 0.6 reader: never throws', () => {
  fc.assert(
    fc.property(fc.string(), (s) => {
      const r = decodeSio06PayloadLenient(s);
      assert.ok(Array.isArray(r.messages));
    }),
  );
});
