import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeLegacyPayload, encodeLegacyPayload } from '../src/index.js';
import { assertLegacyError } from './sio1-helpers.js';

test('no packets is an empty body, and an empty body is no packets', () => {
  assert.equal(encodeLegacyPayload([]), '');
  assert.deepEqual(decodeLegacyPayload(''), []);
});

test('a single packet goes unframed; two or more are each framed', () => {
  assert.equal(encodeLegacyPayload(['2::']), '2::');
  assert.equal(encodeLegacyPayload(['2::', '3:::hi']), '\ufffd3\ufffd2::\ufffd6\ufffd3:::hi');
  assert.deepEqual(decodeLegacyPayload('\ufffd3\ufffd2::\ufffd6\ufffd3:::hi'), ['2::', '3:::hi']);
});

test('only the first character decides: an unframed body may contain U+FFFD anywhere after it', () => {
  assert.deepEqual(decodeLegacyPayload('3:::a\ufffd3\ufffdb'), ['3:::a\ufffd3\ufffdb']);
  assert.deepEqual(decodeLegacyPayload('x'), ['x']);
});

test('lengths are UTF-16 code units: é and 中 count 1, an astral character 2', () => {
  const packets = ['3:::é', '3:::中', '3:::😀', '3:::\ufffd', '3:::\ud800'];
  const body = encodeLegacyPayload(packets);
  assert.equal(body, '\ufffd5\ufffd3:::é\ufffd5\ufffd3:::中\ufffd6\ufffd3:::😀\ufffd5\ufffd3:::\ufffd\ufffd5\ufffd3:::\ud800');
  assert.deepEqual(decodeLegacyPayload(body), packets);
});

test('a frame may hold U+FFFD and digits: its length keeps it unambiguous', () => {
  const packets = ['3:::\ufffd12\ufffd', '3:::\ufffd', '\ufffd'];
  assert.deepEqual(decodeLegacyPayload(encodeLegacyPayload(packets)), packets);
});

test('a single frame and empty frames are read as such', () => {
  assert.deepEqual(decodeLegacyPayload('\ufffd3\ufffd2::'), ['2::']);
  assert.deepEqual(decodeLegacyPayload('\ufffd0\ufffd'), ['']);
  assert.deepEqual(decodeLegacyPayload('\ufffd0\ufffd\ufffd0\ufffd'), ['', '']);
  assert.deepEqual(decodeLegacyPayload('\ufffd003\ufffd2::'), ['2::']);
});

test('a lone packet that would read back differently unframed is framed', () => {
  assert.equal(encodeLegacyPayload(['']), '\ufffd0\ufffd');
  assert.equal(encodeLegacyPayload(['\ufffdx']), '\ufffd2\ufffd\ufffdx');
  assert.deepEqual(decodeLegacyPayload(encodeLegacyPayload([''])), ['']);
  assert.deepEqual(decodeLegacyPayload(encodeLegacyPayload(['\ufffdx'])), ['\ufffdx']);
});

test('malformed framing is a LegacyDecodeError', () => {
  const cases: [string, string][] = [
    ['\ufffd', 'invalid-length'],
    ['\ufffd\ufffd2::', 'invalid-length'],
    ['\ufffdx\ufffd2::', 'invalid-length'],
    ['\ufffd3x\ufffd2::', 'invalid-length'],
    ['\ufffd-3\ufffd2::', 'invalid-length'],
    ['\ufffd 3\ufffd2::', 'invalid-length'],
    ['\ufffd1234567890123456\ufffd', 'invalid-length'],
    ['\ufffd3', 'missing-separator'],
    ['\ufffd3\ufffd2:', 'length-mismatch'],
    ['\ufffd4\ufffd2::', 'length-mismatch'],
    ['\ufffd999999999999999\ufffd2::', 'length-mismatch'],
    ['\ufffd3\ufffd2::x', 'invalid-frame'],
    ['\ufffd3\ufffd2::\n', 'invalid-frame'],
    ['\ufffd3\ufffd2::\ufffd3\ufffd2:', 'length-mismatch'],
    ['\ufffd3\ufffd2::\ufffd', 'invalid-length'],
    ['\ufffd2\ufffd2::', 'invalid-frame'],
  ];
  for (const [body, reason] of cases) assertLegacyError(() => decodeLegacyPayload(body), reason);
  assertLegacyError(() => decodeLegacyPayload(Buffer.from('2::') as unknown as string), 'invalid-payload');
});
