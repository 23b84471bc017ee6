import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeBase64, encodeBase64 } from '../src/internal/base64.js';
import { assertDecodeError, bytes } from './helpers.js';

test('encodeBase64 encodes Buffers and Uint8Array views at an offset', () => {
  assert.equal(encodeBase64(bytes(1, 2, 3, 4)), 'AQIDBA==');
  assert.equal(encodeBase64(new Uint8Array(new Uint8Array([1, 2, 3, 4]).buffer, 1, 2)), 'AgM=');
  assert.equal(encodeBase64(new Uint8Array(0)), '');
});

test('decodeBase64 accepts padded, unpadded and empty input from an offset', () => {
  assert.deepEqual(decodeBase64('AQIDBA==', 0), bytes(1, 2, 3, 4));
  assert.deepEqual(decodeBase64('xxAQIDBA==', 2), bytes(1, 2, 3, 4));
  assert.deepEqual(decodeBase64('AQIDBA', 0), bytes(1, 2, 3, 4));
  assert.deepEqual(decodeBase64('AQIDBAU', 0), bytes(1, 2, 3, 4, 5));
  assert.deepEqual(decodeBase64('AQIDBAU=', 0), bytes(1, 2, 3, 4, 5));
  assert.deepEqual(decodeBase64('b', 1), bytes());
  assert.deepEqual(decodeBase64('+/+/', 0), bytes(0xfb, 0xff, 0xbf));
});

test('decodeBase64 rejects what Buffer.from would silently skip or accept', () => {
  for (const bad of [
    'A', // one char cannot hold a byte
    'AQIDB', // nor can 4n+1
    'AQ=', // padding that does not complete the group
    'AQI==',
    'A===',
    '====',
    '=',
    'AQ==AQ==', // padding in the middle
    'AQ=D',
    '-_-_', // URL-safe alphabet
    'AQ ID',
    'AQ\nID',
    'AQID!',
    'AQIDé',
    'AQID\u0000',
    'AQID\uD83D\uDE00',
  ]) {
    assertDecodeError(() => decodeBase64(bad, 0), 'invalid-base64');
  }
});
