import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DecodeError, SioDecodeError } from '../src/index.js';

test('DecodeError carries a reason and defaults its message to it', () => {
  const e = new DecodeError('unknown-type');
  assert.ok(e instanceof Error);
  assert.ok(e instanceof DecodeError);
  assert.equal(e.name, 'DecodeError');
  assert.equal(e.reason, 'unknown-type');
  assert.equal(e.message, 'unknown-type');
  assert.match(String(e.stack), /^DecodeError: unknown-type/);
});

test('DecodeError keeps a custom message separate from the reason', () => {
  const e = new DecodeError('invalid-base64', 'bad char at 3');
  assert.equal(e.reason, 'invalid-base64');
  assert.equal(e.message, 'bad char at 3');
  assert.equal(String(e), 'DecodeError: bad char at 3');
});

test('SioDecodeError is a DecodeError that also records the protocol revision', () => {
  const e = new SioDecodeError(4, 'unknown-type', 'unknown Socket.IO packet type "9"');
  assert.ok(e instanceof DecodeError);
  assert.ok(e instanceof SioDecodeError);
  assert.equal(e.name, 'SioDecodeError');
  assert.equal(e.reason, 'unknown-type');
  assert.equal(e.revision, 4);
  assert.equal(String(e), 'SioDecodeError: unknown Socket.IO packet type "9"');
  assert.equal(new SioDecodeError(5, 'empty-packet').message, 'empty-packet');
});
