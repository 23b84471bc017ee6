import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  SIO06_HTMLFILE_PRELUDE,
  SIO06_MULTIPART_BOUNDARY,
  SIO06_MULTIPART_CONTENT_TYPE,
  SIO06_MULTIPART_PRELUDE,
  decodeSio06Form,
  sio06FlashPolicyXml,
  sio06HtmlfileChunk,
  sio06JsonpPoll,
  sio06MultipartPart,
} from '../src/index.js';
import { assertSio06Error, runHtmlfile, runJsonp, utf8Length } from './sio06-helpers.js';

// ------------------------------------------------------------------ htmlfile

test('the htmlfile prelude is <html><body> + 244 spaces: exactly 256 bytes', () => {
  assert.equal(SIO06_HTMLFILE_PRELUDE, '<html><body>' + ' '.repeat(244));
  assert.equal(SIO06_HTMLFILE_PRELUDE.length, 256);
  assert.equal(utf8Length(SIO06_HTMLFILE_PRELUDE), 256);
});

test('an htmlfile chunk calls parent.s._(payload, document), the literal being JSON.stringify', () => {
  assert.equal(sio06HtmlfileChunk('~m~7~m~welcome'), '<script>parent.s._("~m~7~m~welcome", document);</script>');
  assert.equal(sio06HtmlfileChunk(''), '<script>parent.s._("", document);</script>');
  assert.equal(sio06HtmlfileChunk('a"b\\c\nd'), '<script>parent.s._("a\\"b\\\\c\\nd", document);</script>');
  // `/` and non-ASCII stay as 0.6 wrote them
  assert.equal(sio06HtmlfileChunk('~m~5~m~/é😀/'), '<script>parent.s._("~m~5~m~/é😀/", document);</script>');
});

test('deviation from 0.6: < is escaped, so a message cannot end the script or confuse the HTML parser', () => {
  const evil = '~m~30~m~</script><script>alert(1)//';
  const chunk = sio06HtmlfileChunk(evil);
  assert.equal(chunk, '<script>parent.s._("~m~30~m~\\u003c/script>\\u003cscript>alert(1)//", document);</script>');
  assert.equal(runHtmlfile(chunk).payload, evil);
  for (const payload of ['</SCRIPT>', '</script ', '<!--<script>', '<!-- -->', '<<', '\u2028\u2029', '\ud800', '\0\x1f', '\ufeff']) {
    assert.equal(runHtmlfile(sio06HtmlfileChunk(payload)).payload, payload);
  }
  assert.equal(sio06HtmlfileChunk('\u2028\u2029'), '<script>parent.s._("\\u2028\\u2029", document);</script>');
  assert.equal(sio06HtmlfileChunk('\ud800'), '<script>parent.s._("\\ud800", document);</script>'); // stays valid UTF-16
});

// ------------------------------------------------------------ jsonp-polling

test('a jsonp poll is io.JSONP[index]._(literal); the empty poll is io.JSONP[0]._("")', () => {
  assert.equal(sio06JsonpPoll('0', ''), 'io.JSONP[0]._("");');
  assert.equal(sio06JsonpPoll('0', '~m~7~m~welcome'), 'io.JSONP[0]._("~m~7~m~welcome");');
  assert.equal(sio06JsonpPoll('3', '~m~3~m~a"b'), 'io.JSONP[3]._("~m~3~m~a\\"b");');
  assert.equal(sio06JsonpPoll('0', '\u2028'), 'io.JSONP[0]._("\\u2028");');
  assert.equal(sio06JsonpPoll('0', '</script>'), 'io.JSONP[0]._("</script>");'); // a script file, not inline HTML
});

test('the jsonp index is sanitised: digits only, no leading zeros (octal), empty means 0', () => {
  assert.equal(sio06JsonpPoll('', 'x'), 'io.JSONP[0]._("x");');
  assert.equal(sio06JsonpPoll('abc', 'x'), 'io.JSONP[0]._("x");');
  assert.equal(sio06JsonpPoll('1a2', 'x'), 'io.JSONP[12]._("x");');
  assert.equal(sio06JsonpPoll('0]);alert(1);//', 'x'), 'io.JSONP[1]._("x");');
  assert.equal(sio06JsonpPoll('010', 'x'), 'io.JSONP[10]._("x");'); // 0.6 wrote io.JSONP[010], which is io.JSONP[8]
  assert.equal(sio06JsonpPoll('000', 'x'), 'io.JSONP[0]._("x");');
  assert.equal(sio06JsonpPoll('٣', 'x'), 'io.JSONP[0]._("x");');
  assert.deepEqual(runJsonp(sio06JsonpPoll('010', 'p')), { index: '10', payload: 'p' });
  assert.deepEqual(runJsonp(sio06JsonpPoll('7', '\u2028</script>😀\ud800')), { index: '7', payload: '\u2028</script>😀\ud800' });
});

// ------------------------------------------------------------ xhr-multipart

test('multipart constants and parts are 0.6 bytes, LF only', () => {
  assert.equal(SIO06_MULTIPART_BOUNDARY, 'socketio');
  assert.equal(SIO06_MULTIPART_CONTENT_TYPE, 'multipart/x-mixed-replace;boundary="socketio"');
  assert.equal(SIO06_MULTIPART_PRELUDE, '--socketio\n');
  assert.equal(sio06MultipartPart('~m~7~m~welcome'), 'Content-Type: text/plain\n\n~m~7~m~welcome\n--socketio\n');
  assert.equal(sio06MultipartPart(''), 'Content-Type: text/plain\n\n\n--socketio\n');
  assert.ok(!sio06MultipartPart('~m~1~m~é').includes('\r'));
});

// ------------------------------------------------------------------- forms

test('a POST body is a urlencoded form whose data field is the payload', () => {
  assert.equal(decodeSio06Form('data=~m~4~m~~h~1'), '~m~4~m~~h~1');
  assert.equal(decodeSio06Form('data=~m~3~m~a%20b'), '~m~3~m~a b');
  assert.equal(decodeSio06Form('data=%7Em%7E3%7Em%7Ea+b'), '~m~3~m~a b');
  assert.equal(decodeSio06Form('data=%2B+%25%26%3D'), '+ %&=');
  assert.equal(decodeSio06Form('data='), '');
  assert.equal(decodeSio06Form('data'), '');
  assert.equal(decodeSio06Form('x=1&data=~m~1~m~a&y=2'), '~m~1~m~a');
  assert.equal(decodeSio06Form('&&data=~m~1~m~a&'), '~m~1~m~a');
  assert.equal(decodeSio06Form('%64ata=~m~1~m~a'), '~m~1~m~a'); // the name is decoded too
  assert.equal(decodeSio06Form('data=~m~1~m~a&data=~m~1~m~b'), '~m~1~m~a'); // the first one wins
  assert.equal(decodeSio06Form('data=a=b'), 'a=b');
  assert.equal(decodeSio06Form('data=h%C3%A9llo%20%F0%9F%98%80'), 'héllo 😀');
  assert.equal(decodeSio06Form('data=héllo'), 'héllo'); // raw UTF-8 (already decoded to a string) is fine
  assert.equal(decodeSio06Form('x=%zz&data=ok'), 'ok'); // other fields' values are not our business
});

test('a form without a data field, or with broken percent-encoding, is a Sio06DecodeError', () => {
  for (const body of ['', 'x=1', 'Data=1', 'data_=1', ' data=1', 'dat=a', '&&']) assertSio06Error(() => decodeSio06Form(body), 'missing-field');
  for (const body of ['data=%', 'data=%2', 'data=%zz', 'data=%C3', 'data=%C3%28', 'data=%ED%A0%80', 'data=%FF', '%zz=1&data=ok', 'd%a=1']) {
    assertSio06Error(() => decodeSio06Form(body), 'invalid-form');
  }
  assertSio06Error(() => decodeSio06Form(null as unknown as string), 'invalid-form');
});

// ------------------------------------------------------------ flash policy

const POLICY_ANY =
  '<?xml version="1.0"?>\n' +
  '<!DOCTYPE cross-domain-policy SYSTEM "http://www.macromedia.com/xml/dtds/cross-domain-policy.dtd">\n' +
  '<cross-domain-policy>\n' +
  '<allow-access-from domain="*" to-ports="*"/>\n' +
  '</cross-domain-policy>\n';

test('the flash policy file is 0.6 multi-line XML, one allow-access-from line per origin', () => {
  assert.equal(sio06FlashPolicyXml(['*:*']), POLICY_ANY);
  assert.equal(utf8Length(POLICY_ANY), 211);
  assert.equal(
    sio06FlashPolicyXml(['example.com:80', '*.example.org:*']),
    POLICY_ANY.replace(
      '<allow-access-from domain="*" to-ports="*"/>\n',
      '<allow-access-from domain="example.com" to-ports="80"/>\n<allow-access-from domain="*.example.org" to-ports="*"/>\n',
    ),
  );
  assert.equal(sio06FlashPolicyXml([]), POLICY_ANY.replace('<allow-access-from domain="*" to-ports="*"/>\n', ''));
});

test('flash policy origins: split at the last colon, no port means any, attributes escaped', () => {
  const line = (origin: string): string => sio06FlashPolicyXml([origin]).split('\n')[3] as string;
  assert.equal(line('[::1]:843'), '<allow-access-from domain="[::1]" to-ports="843"/>');
  assert.equal(line('localhost'), '<allow-access-from domain="localhost" to-ports="*"/>');
  assert.equal(line('localhost:'), '<allow-access-from domain="localhost" to-ports="*"/>');
  assert.equal(line('a"b<c>&\':1'), '<allow-access-from domain="a&#34;b&#60;c&#62;&#38;&#39;" to-ports="1"/>');
  assert.throws(() => sio06FlashPolicyXml('*:*' as unknown as string[]), TypeError);
  assert.throws(() => sio06FlashPolicyXml([1 as unknown as string]), TypeError);
  for (const origin of ['a\n:1', 'a:1\r\n', '\0:*', 'a\t:1', 'a\x7f:1']) assert.throws(() => sio06FlashPolicyXml([origin]), TypeError);
});
