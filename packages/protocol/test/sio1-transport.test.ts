import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeJsonpForm, flashPolicyXml, htmlfileChunk, legacyHandshakeBody, legacyJsonp, legacyJsonpError } from '../src/index.js';
import { jsStringLiteral } from '../src/sio1/js-literal.js';
import { assertLegacyError, runHtmlfile, runJsonp } from './sio1-helpers.js';

test('jsStringLiteral is JSON.stringify plus escaped U+2028/U+2029', () => {
  assert.equal(jsStringLiteral('a\u2028b\u2029c'), '"a\\u2028b\\u2029c"');
  assert.equal(jsStringLiteral('"\\\n/'), '"\\"\\\\\\n/"');
  assert.equal(jsStringLiteral('\ud800'), '"\\ud800"');
  for (const s of ['', 'é😀\ufffd', '\u2028\u2029', '\0\x1f\x7f', '\ud83d']) assert.equal(JSON.parse(jsStringLiteral(s)), s);
});

test('legacyJsonp keeps only the digits of the index, and defaults it to 0', () => {
  assert.equal(legacyJsonp('12', 'x'), 'io.j[12]("x");');
  assert.equal(legacyJsonp('', 'x'), 'io.j[0]("x");');
  assert.equal(legacyJsonp('1];alert(1);//', 'x'), 'io.j[11]("x");');
  assert.equal(legacyJsonp('abc', 'x'), 'io.j[0]("x");');
  assert.equal(legacyJsonp('007', 'x'), 'io.j[007]("x");');
});

test('legacyJsonp output runs as JavaScript and hands the text over unchanged', () => {
  for (const text of ['1::', '3:::a\u2028b\u2029c', '3:::"\'\\</script>', '\ufffd3\ufffd2::\ufffd3\ufffd8::', '😀\ud800']) {
    assert.deepEqual(runJsonp(legacyJsonp('2', text)), { index: 2, arg: text });
  }
});

test('legacyJsonpError hands the client an Error with the message', () => {
  assert.equal(legacyJsonpError('0', 'handshake unauthorized'), 'io.j[0](new Error("handshake unauthorized"));');
  assert.equal(legacyJsonpError('x', 'a"b\u2028'), 'io.j[0](new Error("a\\"b\\u2028"));');
  const { index, arg } = runJsonp(legacyJsonpError('1', 'handshake error'));
  assert.equal(index, 1);
  assert.equal((arg as Error).message, 'handshake error');
});

test('htmlfileChunk escapes every "/" and "<", so no chunk can end its <script> early', () => {
  assert.equal(htmlfileChunk('1::/chat'), '<script>_("1::\\/chat");</script>');
  assert.equal(htmlfileChunk('3:::</script>'), '<script>_("3:::\\u003c\\/script>");</script>');
  assert.equal(htmlfileChunk('3:::<!--<script>'), '<script>_("3:::\\u003c!--\\u003cscript>");</script>');
  assert.equal(htmlfileChunk('3:::\\/'), '<script>_("3:::\\\\\\/");</script>');
  for (const payload of ['3:::</script><script>alert(1)</script>', '3:::<!--<script>', '\u2028/\u2029', '3:::\\/x', '\ufffd1\ufffd/']) {
    const chunk = htmlfileChunk(payload);
    const inner = chunk.slice('<script>'.length, -'</script>'.length);
    assert.ok(!inner.includes('<') && !inner.replaceAll('\\/', '').includes('/'), chunk);
    assert.ok(!/[\u2028\u2029]/.test(chunk));
    assert.equal(runHtmlfile(chunk), payload);
  }
});

test('legacyHandshakeBody joins sid, timeouts and transports', () => {
  assert.equal(legacyHandshakeBody('sid', 60, 60, ['websocket', 'xhr-polling']), 'sid:60:60:websocket,xhr-polling');
  assert.equal(legacyHandshakeBody('a-b_C', 0, 2.5, []), 'a-b_C:0:2.5:');
  assert.equal(legacyHandshakeBody('s', 15, 25, ['jsonp-polling']), 's:15:25:jsonp-polling');
});

test('legacyHandshakeBody refuses values that would corrupt the body', () => {
  const bad: [string, number, number, string[]][] = [
    ['a:b', 60, 60, []],
    ['a/b', 60, 60, []],
    ['', 60, 60, []],
    ['s', Number.NaN, 60, []],
    ['s', 60, Infinity, []],
    ['s', -1, 60, []],
    ['s', 60, 60, ['web,socket']],
    ['s', 60, 60, ['a:b']],
    ['s', 60, 60, ['']],
  ];
  for (const [sid, hb, close, transports] of bad) assert.throws(() => legacyHandshakeBody(sid, hb, close, transports), TypeError);
});

test('decodeJsonpForm: the d field, "+" as space, other fields ignored', () => {
  assert.equal(decodeJsonpForm('d=%223%3A%3A%3Aa+b%2Bc%22'), '3:::a b+c');
  assert.equal(decodeJsonpForm('x=1&d=%22a%22&y'), 'a');
  assert.equal(decodeJsonpForm('%64=%22a%22'), 'a');
  assert.equal(decodeJsonpForm('d="a\\n\\u2028"'), 'a\n\u2028');
  assert.equal(decodeJsonpForm('d=%22%22'), '');
  assert.equal(decodeJsonpForm('bad%=1&d=%22ok%22'), 'ok');
  assert.equal(decodeJsonpForm('d=+%22+a+%22+'), ' a ');
});

test('decodeJsonpForm: a browser-encoded textarea round-trips', () => {
  const payload = '\ufffd3\ufffd2::\ufffd17\ufffd3:::é😀 a+b&c=d\n%';
  const body = 'd=' + encodeURIComponent(JSON.stringify(payload)).replace(/%20/g, '+');
  assert.equal(decodeJsonpForm(body), payload);
});

test('decodeJsonpForm refuses bodies without one JSON string in d', () => {
  const cases: [string, string][] = [
    ['', 'missing-field'],
    ['x=%22a%22', 'missing-field'],
    ['dd=%22a%22', 'missing-field'],
    ['d', 'invalid-json'],
    ['d=', 'invalid-json'],
    ['d=abc', 'invalid-json'],
    ['d=%223%3A%3A%3A', 'invalid-json'],
    ['d=1', 'invalid-form'],
    ['d=null', 'invalid-form'],
    ['d=%5B%22a%22%5D', 'invalid-form'],
    ['d=%22a%22&d=%22b%22', 'invalid-form'],
    ['d=%E0%A4%A', 'invalid-form'],
    ['d=%C3', 'invalid-form'],
  ];
  for (const [body, reason] of cases) assertLegacyError(() => decodeJsonpForm(body), reason);
  assertLegacyError(() => decodeJsonpForm(undefined as unknown as string), 'invalid-form');
});

test('flashPolicyXml: one allow-access-from per origin, split at the last ":"', () => {
  const head = '<?xml version="1.0"?><!DOCTYPE cross-domain-policy SYSTEM "http://www.macromedia.com/xml/dtds/cross-domain-policy.dtd"><cross-domain-policy>';
  const tail = '</cross-domain-policy>';
  assert.equal(
    flashPolicyXml(['example.com:80', 'b.org:*', '[::1]:8080', 'noport', 'empty:']),
    head +
      '<allow-access-from domain="example.com" to-ports="80"/>' +
      '<allow-access-from domain="b.org" to-ports="*"/>' +
      '<allow-access-from domain="[::1]" to-ports="8080"/>' +
      '<allow-access-from domain="noport" to-ports="*"/>' +
      '<allow-access-from domain="empty" to-ports="*"/>' +
      tail,
  );
  assert.equal(flashPolicyXml([]), head + tail);
  assert.equal(flashPolicyXml(['a"b<&>:1\'']), `${head}<allow-access-from domain="a&#34;b&#60;&#38;&#62;" to-ports="1&#39;"/>${tail}`);
});
