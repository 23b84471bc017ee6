import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DecodeError, Sio06DecodeError, decodeSio06Payload, encodeSio06Frame, encodeSio06Payload } from '../src/index.js';
import { assertSio06Error } from './sio06-helpers.js';

test('Sio06DecodeError is a DecodeError with its own name and a reason', () => {
  const e = new Sio06DecodeError('invalid-frame', 'payload does not start with "~m~"');
  assert.ok(e instanceof Error);
  assert.ok(e instanceof DecodeError);
  assert.ok(e instanceof Sio06DecodeError);
  assert.equal(e.name, 'Sio06DecodeError');
  assert.equal(e.reason, 'invalid-frame');
  assert.equal(String(e), 'Sio06DecodeError: payload does not start with "~m~"');
  assert.equal(new Sio06DecodeError('length-mismatch').message, 'length-mismatch');
});

test('a frame is ~m~ + length + ~m~ + message; every message is framed, even a lone one', () => {
  assert.equal(encodeSio06Frame('asdasdsad'), '~m~9~m~asdasdsad');
  assert.equal(encodeSio06Frame(''), '~m~0~m~');
  assert.equal(encodeSio06Payload(['asdasdsad']), '~m~9~m~asdasdsad');
  assert.equal(encodeSio06Payload(['a', '', 'bc']), '~m~1~m~a~m~0~m~~m~2~m~bc');
});

test('no messages is the empty payload, and the empty payload is no messages', () => {
  assert.equal(encodeSio06Payload([]), '');
  assert.deepEqual(decodeSio06Payload(''), []);
});

test('lengths are UTF-16 code units: é and 中 count 1, an astral character 2, a lone surrogate 1', () => {
  const messages = ['é', '中', '😀', '𝄞x', '\ud800', '\udc00a', '\ufffd'];
  const body = encodeSio06Payload(messages);
  assert.equal(body, '~m~1~m~é~m~1~m~中~m~2~m~😀~m~3~m~𝄞x~m~1~m~\ud800~m~2~m~\udc00a~m~1~m~\ufffd');
  assert.deepEqual(decodeSio06Payload(body), messages);
});

test('~m~ and digits inside a message are data: only the lengths decide', () => {
  const messages = ['~m~5~m~fake', '~m~', '~m~0~m~', '12~m~', '~', '~m~1~m~x~m~'];
  assert.deepEqual(decodeSio06Payload(encodeSio06Payload(messages)), messages);
  assert.deepEqual(decodeSio06Payload('~m~3~m~~m~'), ['~m~']);
  assert.deepEqual(decodeSio06Payload('~m~7~m~~m~0~m~~m~0~m~'), ['~m~0~m~', '']);
});

test('single frames, empty frames and frames that end exactly at the end are read as such', () => {
  assert.deepEqual(decodeSio06Payload('~m~0~m~'), ['']);
  assert.deepEqual(decodeSio06Payload('~m~0~m~~m~0~m~'), ['', '']);
  assert.deepEqual(decodeSio06Payload('~m~3~m~abc'), ['abc']);
  assert.deepEqual(decodeSio06Payload('~m~1~m~a~m~1~m~b'), ['a', 'b']);
});

test('leading zeros in a length are accepted (0.6 reads the digits with Number())', () => {
  assert.deepEqual(decodeSio06Payload('~m~03~m~abc'), ['abc']);
  assert.deepEqual(decodeSio06Payload('~m~00~m~'), ['']);
  assert.deepEqual(decodeSio06Payload('~m~0000000003~m~abc'), ['abc']); // 10 digits: the cap
  assert.deepEqual(decodeSio06Payload('~m~01~m~a~m~002~m~bc'), ['a', 'bc']);
});

test('a 10-digit length is read but cannot fit; 11 digits are refused before any arithmetic', () => {
  assertSio06Error(() => decodeSio06Payload('~m~9999999999~m~x'), 'length-mismatch');
  assertSio06Error(() => decodeSio06Payload('~m~00000000003~m~abc'), 'invalid-length');
  assertSio06Error(() => decodeSio06Payload(`~m~${'9'.repeat(400)}~m~x`), 'invalid-length');
});

test('malformed framing is a Sio06DecodeError with a stable reason', () => {
  const cases: [string, string][] = [
    // not a ~m~ payload at all (0.6 silently read these as no message)
    ['hello', 'invalid-frame'],
    ['~m', 'invalid-frame'],
    ['~M~3~m~abc', 'invalid-frame'],
    [' ~m~3~m~abc', 'invalid-frame'],
    ['m~3~m~abc', 'invalid-frame'],
    // the length
    ['~m~', 'invalid-length'],
    ['~m~~m~abc', 'invalid-length'],
    ['~m~x~m~abc', 'invalid-length'],
    ['~m~-3~m~abc', 'invalid-length'],
    ['~m~+3~m~abc', 'invalid-length'],
    ['~m~ 3~m~abc', 'invalid-length'],
    ['~m~3 ~m~abc', 'invalid-length'],
    ['~m~3x~m~abc', 'invalid-length'],
    ['~m~3.0~m~abc', 'invalid-length'],
    ['~m~1e1~m~abcdefghij', 'invalid-length'],
    ['~m~0x3~m~abc', 'invalid-length'],
    ['~m~٣~m~abc', 'invalid-length'], // ARABIC-INDIC DIGIT THREE is not a digit here
    ['~m~３~m~abc', 'invalid-length'], // FULLWIDTH DIGIT THREE either
    // the second separator
    ['~m~3', 'missing-separator'],
    ['~m~3~', 'missing-separator'],
    ['~m~3~m', 'missing-separator'],
    ['~m~3~M~abc', 'missing-separator'],
    ['~m~3~~m~abc', 'missing-separator'],
    // the message
    ['~m~3~m~ab', 'length-mismatch'],
    ['~m~4~m~abc', 'length-mismatch'],
    ['~m~2~m~😀'.slice(0, -1), 'length-mismatch'],
    ['~m~1~m~a~m~5~m~abc', 'length-mismatch'],
    // what follows a valid frame (0.6 dropped it silently)
    ['~m~3~m~abcd', 'invalid-frame'],
    ['~m~2~m~abc', 'invalid-frame'],
    ['~m~3~m~abc~m~', 'invalid-length'],
    ['~m~3~m~abc~m', 'invalid-frame'],
    ['~m~3~m~abc\n', 'invalid-frame'],
    ['~m~0~m~x', 'invalid-frame'],
    ['~m~1~m~😀', 'invalid-frame'], // a length counting code points leaves half a surrogate pair behind
  ];
  for (const [body, reason] of cases) assertSio06Error(() => decodeSio06Payload(body), reason);
});

test('a peer counting UTF-8 bytes or code points is caught, not mis-split', () => {
  // 0.6 "worked" for a single message by letting the overrun take the rest; strictly it is an error.
  const message = 'héllo 😀';
  assertSio06Error(() => decodeSio06Payload(`~m~${Buffer.byteLength(message)}~m~${message}`), 'length-mismatch');
  assertSio06Error(() => decodeSio06Payload(`~m~${[...message].length}~m~${message}`), 'invalid-frame');
});

test('non-string input: TypeError from the encoders (a caller bug), Sio06DecodeError from the decoder', () => {
  assert.throws(() => encodeSio06Frame(1 as unknown as string), TypeError);
  assert.throws(() => encodeSio06Frame(null as unknown as string), TypeError);
  assert.throws(() => encodeSio06Payload('abc' as unknown as string[]), TypeError);
  assert.throws(() => encodeSio06Payload(['a', 2 as unknown as string]), TypeError);
  assertSio06Error(() => decodeSio06Payload(undefined as unknown as string), 'invalid-payload');
  assertSio06Error(() => decodeSio06Payload(Buffer.from('~m~1~m~a') as unknown as string), 'invalid-payload');
});
