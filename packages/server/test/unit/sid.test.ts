import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generateId, generateWorkerId, isValidSid } from '../../src/engine/sid.js';

describe('session and worker ids', () => {
  it('session ids are 20 base64url characters and valid sids', () => {
    for (let i = 0; i < 100; i++) {
      const id = generateId();
      assert.match(id, /^[A-Za-z0-9_-]{20}$/);
      assert.ok(isValidSid(id));
    }
  });

  it('never repeat, across several refills of the batch', () => {
    const ids = new Set(Array.from({ length: 3 * 512 + 7 }, generateId));
    assert.equal(ids.size, 3 * 512 + 7);
  });

  it('worker ids are w- and 12 hex digits', () => {
    assert.match(generateWorkerId(), /^w-[0-9a-f]{12}$/);
    assert.notEqual(generateWorkerId(), generateWorkerId());
  });

  it('a valid sid is 1 to 64 characters of [A-Za-z0-9_-]', () => {
    for (const ok of ['a', 'A-_9', 'x'.repeat(64)]) assert.ok(isValidSid(ok), ok);
    for (const bad of ['', 'x'.repeat(65), 'a b', 'a/b', 'a.b', 'a~', 'é', 'a\n', '{sid}']) assert.ok(!isValidSid(bad), JSON.stringify(bad));
  });
});
