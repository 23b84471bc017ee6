/**
 * Every example of SPEC-NOTES-06.md and WIRE-EXAMPLES-06.md (bytes of the
 * original socket.io 0.6.18 server and the 0.6.3 client), reproduced with this
 * codec byte for byte, and decoded back. Byte counts (WebSocket frame
 * lengths, chunk sizes, Content-Length, proxy byte counts) are checked too,
 * since they pin down the UTF-8 bytes and not just the characters.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  SIO06_HTMLFILE_PRELUDE,
  SIO06_MULTIPART_CONTENT_TYPE,
  SIO06_MULTIPART_PRELUDE,
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
  type Sio06Message,
} from '../src/index.js';
import { assertSio06Error, runHtmlfile, runJsonp, utf8Length, wire, wsText } from './sio06-helpers.js';

// The messages of the harness session (WIRE-EXAMPLES-06.md), built from their meaning.
const HELLO = 'hello from the 0.6 client: héllo 中文 😀';
const OBJECT = { s: 'héllo 😀', n: 42, f: 1.5, b: true, z: null, a: [1, 'two', { three: 3 }], nested: { k: 'v:~m~3~m~' } };
const BURST = [
  'burst 0 plain ascii',
  'burst 1 héllo wörld ✓ 中文 Жз',
  'burst 2 astral 😀🎉𝄞 (2 UTF-16 units each)',
  'burst 3 ~m~5~m~fake frame ~j~{} ~h~1 inside',
  `burst 4 & = + % ? # / \\ " ' ; : , ${'x'.repeat(300)} énd`,
] as const;
const echo = (m: string): string => `echo:${m}`;
const frameOf = (value: unknown): string => encodeSio06Frame(sio06TextOf(value));

/** HTTP/1.1 chunked transfer coding of one chunk. */
const chunked = (s: string): string => `${utf8Length(s).toString(16)}\r\n${s}\r\n`;
/** The XHR transports' POST body (SPEC §2.3). */
const xhrBody = (payload: string): string => `data=${encodeURIComponent(payload)}`;
/** The jsonp transport's browser form encoding (SPEC §2.3). */
const formBody = (payload: string): string => new URLSearchParams({ data: payload }).toString();

/** Asserts a payload decodes to `messages` and that they encode back to exactly it. */
function assertPayload(body: string, messages: readonly string[]): void {
  assert.deepEqual(decodeSio06Payload(body), messages);
  assert.equal(encodeSio06Payload(messages), body);
}

describe('SPEC-NOTES-06 §1 message layer', () => {
  test('§1.1 lengths are UTF-16 units: 43 units (and 50 UTF-8 bytes, not the 49 the notes say)', () => {
    const body = '~m~43~m~echo:hello from the 0.6 client: héllo 中文 😀';
    assertPayload(body, [echo(HELLO)]);
    assert.equal(echo(HELLO).length, 43);
    // Both documents say 49 bytes; the captured WebSocket frame (len=58 = 8 bytes of '~m~43~m~' + 50) says 50.
    assert.equal(utf8Length(echo(HELLO)), 50);
    assert.equal(utf8Length(body), 58);
  });

  test('§1.1 every message is framed, even a single one; null/undefined are the empty message', () => {
    assert.equal(encodeSio06Payload(['asdasdsad']), '~m~9~m~asdasdsad');
    assert.equal(frameOf('asdasdsad'), '~m~9~m~asdasdsad');
    assert.equal(frameOf(null), '~m~0~m~');
    assert.equal(frameOf(undefined), '~m~0~m~');
    assertPayload('~m~0~m~', ['']);
  });

  test('§1.1 several messages in one payload, astral characters counting 2', () => {
    assertPayload('~m~32~m~echo:burst 1 héllo wörld ✓ 中文 Жз~m~48~m~echo:burst 2 astral 😀🎉𝄞 (2 UTF-16 units each)', [echo(BURST[1]), echo(BURST[2])]);
  });

  test('§1.1 ~m~ inside a message is data: ONE message', () => {
    const body = '~m~48~m~echo:burst 3 ~m~5~m~fake frame ~j~{} ~h~1 inside';
    assertPayload(body, [echo(BURST[3])]);
    assert.deepEqual(decodeSio06Message(echo(BURST[3])), { kind: 'text', data: echo(BURST[3]) });
  });

  test('§1.1 the empty payload is no message', () => {
    assertPayload('', []);
  });

  test('§1.1 strictness: what the lenient 0.6 reader silently dropped or cut is an error', () => {
    assertSio06Error(() => decodeSio06Payload('~m~3~m~byegarbage'), 'invalid-frame');
    assertSio06Error(() => decodeSio06Payload(`~m~${utf8Length(HELLO)}~m~${HELLO}`), 'length-mismatch');
    assertSio06Error(() => decodeSio06Payload(`~m~${utf8Length(BURST[1])}~m~${BURST[1]}~m~5~m~hello`), 'invalid-frame');
    // ...but no decoder can catch a byte-counting peer whose overrun happens to swallow whole frames:
    assert.deepEqual(decodeSio06Payload(`~m~${utf8Length(BURST[1])}~m~${BURST[1]}~m~3~m~bye`), [`${BURST[1]}~m~3~m~bye`]);
  });

  test('§1.2 message kinds: session id (text), ~h~ heartbeat, ~j~ JSON, text', () => {
    assert.deepEqual(decodeSio06Message('9997125788331507'), { kind: 'text', data: '9997125788331507' });
    assert.deepEqual(decodeSio06Message('~h~1'), { kind: 'heartbeat', n: '1' });
    assert.deepEqual(decodeSio06Message('~j~{"a":1}'), { kind: 'json', data: { a: 1 } });
    assert.deepEqual(decodeSio06Message('welcome'), { kind: 'text', data: 'welcome' });
  });

  test('§1.2 sender rules: plain object -> ~j~ + JSON, everything else String(m): [1,2] is the text 1,2', () => {
    assert.equal(sio06TextOf({ a: 1 }), '~j~{"a":1}');
    assert.equal(frameOf([1, 2]), '~m~3~m~1,2');
    assert.equal(frameOf(42), '~m~2~m~42');
    assert.deepEqual(decodeSio06Message('~j~[1,2]'), { kind: 'json', data: [1, 2] }); // received from a peer: parsed fine
  });

  test('§1.2 a text starting with ~j~ / ~h~ is indistinguishable from JSON / heartbeat', () => {
    assert.equal(sio06TextOf('~j~{}'), '~j~{}');
    assert.deepEqual(decodeSio06Message(sio06TextOf('~j~{}')), { kind: 'json', data: {} });
    assert.deepEqual(decodeSio06Message(sio06TextOf('~h~7')), { kind: 'heartbeat', n: '7' });
  });

  test('§1.2 quirk not reproduced: messages after a heartbeat in the same payload are all returned', () => {
    assert.deepEqual(decodeSio06Payload('~m~4~m~~h~1~m~5~m~hello~m~6~m~~j~[1]').map(decodeSio06Message), [
      { kind: 'heartbeat', n: '1' },
      { kind: 'text', data: 'hello' },
      { kind: 'json', data: [1] },
    ]);
  });
});

describe('SPEC-NOTES-06 §2-§5 sessions and transports', () => {
  test('§2.1 a session id is 15-18 digits and may start with 0: a plain text message', () => {
    assertPayload('~m~18~m~016194702501149738', ['016194702501149738']);
    assertPayload('~m~16~m~1835415385699577~m~7~m~welcome', ['1835415385699577', 'welcome']);
  });

  test('§2.3 XHR POST body: data= + encodeURIComponent(payload), ~ stays literal', () => {
    const body = xhrBody(encodeSio06Frame(HELLO));
    assert.ok(body.startsWith('data=~m~38~m~hello%20from'), body);
    assert.equal(decodeSio06Form(body), `~m~38~m~${HELLO}`);
  });

  test('§2.3 jsonp form POST body: browser form encoding, + for space, %7E for ~', () => {
    const body = formBody(encodeSio06Frame(HELLO));
    assert.ok(body.startsWith('data=%7Em%7E38%7Em%7Ehello+from+the+0.6+client'), body);
    assert.equal(body, 'data=%7Em%7E38%7Em%7Ehello+from+the+0.6+client%3A+h%C3%A9llo+%E4%B8%AD%E6%96%87+%F0%9F%98%80');
    assert.deepEqual(decodeSio06Payload(decodeSio06Form(body)), [HELLO]);
  });

  test('§2.3 quirk: the textarea turns LF into CR LF, which breaks the framing -> error, not a cut message', () => {
    const sent = encodeSio06Payload(['line 1\nline 2', 'next']);
    const received = formBody(sent.replace(/\n/g, '\r\n'));
    assertSio06Error(() => decodeSio06Payload(decodeSio06Form(received)), 'invalid-frame');
  });

  test('§4 heartbeats: ~m~4~m~~h~1, and ~h~10 is ~m~5~m~~h~10; the client echoes by POST', () => {
    assert.equal(encodeSio06Frame(encodeSio06Message({ kind: 'heartbeat', n: '1' })), '~m~4~m~~h~1');
    assert.equal(encodeSio06Frame(encodeSio06Message({ kind: 'heartbeat', n: '10' })), '~m~5~m~~h~10');
    assert.deepEqual(decodeSio06Payload(decodeSio06Form('data=~m~4~m~~h~1')).map(decodeSio06Message), [{ kind: 'heartbeat', n: '1' }]);
  });

  test('§5.2 the inline policy file (one line per origin host:port)', () => {
    assert.equal(
      sio06FlashPolicyXml(['*:*']),
      '<?xml version="1.0"?>\n<!DOCTYPE cross-domain-policy SYSTEM "http://www.macromedia.com/xml/dtds/cross-domain-policy.dtd">\n' +
        '<cross-domain-policy>\n<allow-access-from domain="*" to-ports="*"/>\n</cross-domain-policy>\n',
    );
  });

  test('§5.3 htmlfile: 256-byte prelude, one script per payload, / not escaped', () => {
    assert.equal(utf8Length(SIO06_HTMLFILE_PRELUDE), 256);
    assert.equal(sio06HtmlfileChunk('~m~16~m~1835415385699577'), '<script>parent.s._("~m~16~m~1835415385699577", document);</script>');
    assert.equal(sio06HtmlfileChunk('~m~3~m~a/b'), '<script>parent.s._("~m~3~m~a/b", document);</script>');
  });

  test('§5.3 deviation: a message holding </script> cannot end the script element (0.6 bug)', () => {
    const payload = encodeSio06Frame('</script><b>x</b>');
    const chunk = sio06HtmlfileChunk(payload);
    assert.notEqual(chunk, `<script>parent.s._(${JSON.stringify(payload)}, document);</script>`);
    assert.equal(runHtmlfile(chunk).payload, payload);
  });

  test('§5.4 xhr-multipart: content type, opening boundary, LF-only parts', () => {
    assert.equal(SIO06_MULTIPART_CONTENT_TYPE, 'multipart/x-mixed-replace;boundary="socketio"');
    assert.equal(SIO06_MULTIPART_PRELUDE, '--socketio\n');
    assert.equal(sio06MultipartPart('~m~7~m~welcome'), 'Content-Type: text/plain\n\n~m~7~m~welcome\n--socketio\n');
  });

  test('§5.5 the polling timeout answers an empty body, which is no message', () => {
    assert.deepEqual(decodeSio06Payload(''), []);
    assert.equal(encodeSio06Payload([]), '');
  });

  test('§5.6 jsonp: io.JSONP[i]._(JSON.stringify(payload)); the empty poll is io.JSONP[0]._("")', () => {
    assert.equal(sio06JsonpPoll('0', ''), 'io.JSONP[0]._("");');
    assert.equal(sio06JsonpPoll('2', '~m~7~m~welcome'), 'io.JSONP[2]._("~m~7~m~welcome");');
  });
});

describe('WIRE-EXAMPLES-06 §1-§2 websocket and flashsocket frames', () => {
  // [direction, WebSocket payload length in bytes, the frame text as shown]
  const session: [string, number, string][] = [
    ['S->C', 26, '"~m~18~m~043388786785587996"'],
    ['S->C', 14, '"~m~7~m~welcome"'],
    ['C->S', 53, '"~m~38~m~hello from the 0.6 client: héllo 中文 😀"'],
    ['S->C', 58, '"~m~43~m~echo:hello from the 0.6 client: héllo 中文 😀"'],
    [
      'C->S',
      117,
      String.raw`"~m~105~m~~j~{\"s\":\"héllo 😀\",\"n\":42,\"f\":1.5,\"b\":true,\"z\":null,\"a\":[1,\"two\",{\"three\":3}],\"nested\":{\"k\":\"v:~m~3~m~\"}}"`,
    ],
    [
      'S->C',
      126,
      String.raw`"~m~114~m~~j~{\"echo\":{\"s\":\"héllo 😀\",\"n\":42,\"f\":1.5,\"b\":true,\"z\":null,\"a\":[1,\"two\",{\"three\":3}],\"nested\":{\"k\":\"v:~m~3~m~\"}}}"`,
    ],
    ['C->S', 27, '"~m~19~m~burst 0 plain ascii"'],
    ['C->S', 45, '"~m~27~m~burst 1 héllo wörld ✓ 中文 Жз"'],
    ['S->C', 32, '"~m~24~m~echo:burst 0 plain ascii"'],
    ['S->C', 50, '"~m~32~m~echo:burst 1 héllo wörld ✓ 中文 Жз"'],
    ['C->S', 57, '"~m~43~m~burst 2 astral 😀🎉𝄞 (2 UTF-16 units each)"'],
    ['C->S', 51, '"~m~43~m~burst 3 ~m~5~m~fake frame ~j~{} ~h~1 inside"'],
    ['C->S', 348, String.raw`"~m~338~m~burst 4 & = + % ? # / \\ \" ' ; : , x…(300×x) énd"`],
    ['S->C', 62, '"~m~48~m~echo:burst 2 astral 😀🎉𝄞 (2 UTF-16 units each)"'],
    ['S->C', 56, '"~m~48~m~echo:burst 3 ~m~5~m~fake frame ~j~{} ~h~1 inside"'],
    ['S->C', 353, String.raw`"~m~343~m~echo:burst 4 & = + % ? # / \\ \" ' ; : , x…(300×x) énd"`],
    ['S->C', 11, '"~m~4~m~~h~1"'],
    ['C->S', 11, '"~m~4~m~~h~1"'],
    ['S->C', 11, '"~m~4~m~~h~2"'],
    ['C->S', 11, '"~m~4~m~~h~2"'],
    ['C->S', 18, '"~m~10~m~after idle"'],
    ['S->C', 23, '"~m~15~m~echo:after idle"'],
    ['C->S', 10, '"~m~3~m~bye"'],
  ];
  // What each frame means, built with the codec from the values the harness sent.
  const meaning: string[] = [
    encodeSio06Frame('043388786785587996'),
    frameOf('welcome'),
    frameOf(HELLO),
    frameOf(echo(HELLO)),
    frameOf(OBJECT),
    frameOf({ echo: OBJECT }),
    frameOf(BURST[0]),
    frameOf(BURST[1]),
    frameOf(echo(BURST[0])),
    frameOf(echo(BURST[1])),
    frameOf(BURST[2]),
    frameOf(BURST[3]),
    frameOf(BURST[4]),
    frameOf(echo(BURST[2])),
    frameOf(echo(BURST[3])),
    frameOf(echo(BURST[4])),
    encodeSio06Frame(encodeSio06Message({ kind: 'heartbeat', n: '1' })),
    encodeSio06Frame(encodeSio06Message({ kind: 'heartbeat', n: '1' })),
    encodeSio06Frame(encodeSio06Message({ kind: 'heartbeat', n: '2' })),
    encodeSio06Frame(encodeSio06Message({ kind: 'heartbeat', n: '2' })),
    frameOf('after idle'),
    frameOf(echo('after idle')),
    frameOf('bye'),
  ];

  test('§1 the whole websocket session: every frame byte for byte, with its UTF-8 length', () => {
    assert.equal(meaning.length, session.length);
    session.forEach(([dir, bytes, shown], i) => {
      const frame = wsText(shown);
      assert.equal(utf8Length(frame), bytes, `${dir} #${i} byte length`);
      assert.equal(meaning[i], frame, `${dir} #${i}`);
      const messages = decodeSio06Payload(frame);
      assert.equal(messages.length, 1, `one message per frame (#${i})`);
      assert.equal(encodeSio06Payload(messages), frame);
    });
  });

  test('§1 the frames decode to the right kinds, JSON key order as the 0.6 client wrote it', () => {
    const decoded = session.map(([, , shown]) => decodeSio06Message(decodeSio06Payload(wsText(shown))[0] as string));
    assert.deepEqual(decoded[0], { kind: 'text', data: '043388786785587996' });
    assert.deepEqual(decoded[4], { kind: 'json', data: OBJECT });
    assert.deepEqual(decoded[5], { kind: 'json', data: { echo: OBJECT } });
    assert.equal(encodeSio06Message(decoded[5] as Sio06Message), wsText(session[5]?.[2] as string).slice('~m~114~m~'.length));
    assert.deepEqual(decoded[11], { kind: 'text', data: BURST[3] }); // ~j~ and ~h~ inside, not at the start
    assert.deepEqual(decoded[16], { kind: 'heartbeat', n: '1' });
    assert.deepEqual(decoded[19], { kind: 'heartbeat', n: '2' });
    assert.equal(BURST[4].length, 338);
  });

  test('§1.2 / §1.3 the original draft-76 and draft-75 sessions', () => {
    assertPayload('~m~16~m~8315419924599703', ['8315419924599703']);
    assertPayload('~m~7~m~welcome', ['welcome']);
    assertPayload('~m~7~m~h76 é😀', ['h76 é😀']);
    assertPayload('~m~12~m~echo:h76 é😀', [echo('h76 é😀')]);
    assertPayload('~m~17~m~11246559822123792', ['11246559822123792']);
  });

  test('§2 flashsocket carries the same frames', () => {
    const frames: [number, string][] = [
      [25, '~m~17~m~33050937702877636'],
      [14, '~m~7~m~welcome'],
      [53, `~m~38~m~${HELLO}`],
      [58, `~m~43~m~${echo(HELLO)}`],
    ];
    for (const [bytes, frame] of frames) {
      assert.equal(utf8Length(frame), bytes);
      assertPayload(frame, [frame.slice(frame.indexOf('~m~', 3) + 3)]);
    }
    assert.equal(frameOf(HELLO), frames[2]?.[1]);
  });

  test('§2.1 the inline policy answer: 211 bytes', () => {
    const xml = sio06FlashPolicyXml(['*:*']);
    assert.equal(utf8Length(xml), 211);
    assert.equal(
      xml,
      [
        '<?xml version="1.0"?>',
        '<!DOCTYPE cross-domain-policy SYSTEM "http://www.macromedia.com/xml/dtds/cross-domain-policy.dtd">',
        '<cross-domain-policy>',
        '<allow-access-from domain="*" to-ports="*"/>',
        '</cross-domain-policy>',
        '',
      ].join('\n'),
    );
  });
});

describe('WIRE-EXAMPLES-06 §3 htmlfile', () => {
  const SID = '9997125788331507';
  // [chunk size as sent (hex), chunk as shown]
  const chunks: [string, string][] = [
    ['42', '<script>parent.s._("~m~16~m~9997125788331507", document);</script>'],
    ['38', '<script>parent.s._("~m~7~m~welcome", document);</script>'],
    ['64', '<script>parent.s._("~m~43~m~echo:hello from the 0.6 client: héllo 中文 😀", document);</script>'],
    [
      'c2',
      String.raw`<script>parent.s._("~m~114~m~~j~{\"echo\":{\"s\":\"héllo 😀\",\"n\":42,\"f\":1.5,\"b\":true,\"z\":null,\"a\":[1,\"two\",{\"three\":3}],\"nested\":{\"k\":\"v:~m~3~m~\"}}}", document);</script>`,
    ],
    ['4a', '<script>parent.s._("~m~24~m~echo:burst 0 plain ascii", document);</script>'],
    ['5c', '<script>parent.s._("~m~32~m~echo:burst 1 héllo wörld ✓ 中文 Жз", document);</script>'],
    ['68', '<script>parent.s._("~m~48~m~echo:burst 2 astral 😀🎉𝄞 (2 UTF-16 units each)", document);</script>'],
    ['62', '<script>parent.s._("~m~48~m~echo:burst 3 ~m~5~m~fake frame ~j~{} ~h~1 inside", document);</script>'],
    ['18d', String.raw`<script>parent.s._("~m~343~m~echo:burst 4 & = + % ? # / \\ \" ' ; : , x…(300×x) énd", document);</script>`],
    ['35', '<script>parent.s._("~m~4~m~~h~1", document);</script>'],
    ['35', '<script>parent.s._("~m~4~m~~h~2", document);</script>'],
    ['41', '<script>parent.s._("~m~15~m~echo:after idle", document);</script>'],
  ];
  const payloads = [
    encodeSio06Frame(SID),
    frameOf('welcome'),
    frameOf(echo(HELLO)),
    frameOf({ echo: OBJECT }),
    ...BURST.map((b) => frameOf(echo(b))),
    '~m~4~m~~h~1',
    '~m~4~m~~h~2',
    frameOf(echo('after idle')),
  ];

  test('every chunk byte for byte, with its chunk size', () => {
    assert.equal(payloads.length, chunks.length);
    chunks.forEach(([size, shown], i) => {
      const chunk = wire(shown);
      assert.equal(sio06HtmlfileChunk(payloads[i] as string), chunk, `chunk #${i}`);
      assert.equal(utf8Length(chunk).toString(16), size, `chunk #${i} size`);
      assert.equal(runHtmlfile(chunk).payload, payloads[i]);
    });
  });

  test('the writes as the proxy counted them: prelude and chunks in chunked coding', () => {
    const head =
      'HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n' + 'Date: Sun, 22 Nov 2026 05:33:48 GMT\r\n\r\n';
    assert.equal(chunked(SIO06_HTMLFILE_PRELUDE).slice(0, 5), '100\r\n');
    const write = (from: number, to: number): number =>
      utf8Length(
        payloads
          .slice(from, to)
          .map((p) => chunked(sio06HtmlfileChunk(p)))
          .join(''),
      );
    assert.equal(utf8Length(head + chunked(SIO06_HTMLFILE_PRELUDE)) + write(0, 2), 530);
    assert.equal(write(2, 3), 106);
    assert.equal(write(3, 4), 200);
    assert.equal(write(4, 9), 796);
    assert.equal(write(9, 10), 59);
    assert.equal(write(10, 11), 59);
    assert.equal(write(11, 12), 71);
  });

  test('§3.1 / §3.2 the XHR POST bodies', () => {
    const body = 'data=~m~38~m~hello%20from%20the%200.6%20client%3A%20h%C3%A9llo%20%E4%B8%AD%E6%96%87%20%F0%9F%98%80';
    assert.equal(utf8Length(body), 98);
    assert.equal(xhrBody(frameOf(HELLO)), body);
    assert.deepEqual(decodeSio06Payload(decodeSio06Form(body)), [HELLO]);
    const heartbeat = 'data=~m~4~m~~h~1';
    assert.equal(utf8Length(heartbeat), 16);
    assert.equal(xhrBody('~m~4~m~~h~1'), heartbeat);
    assert.deepEqual(decodeSio06Payload(decodeSio06Form(heartbeat)).map(decodeSio06Message), [{ kind: 'heartbeat', n: '1' }]);
  });
});

describe('WIRE-EXAMPLES-06 §4 xhr-multipart', () => {
  const head =
    'HTTP/1.1 200 OK\r\nAccess-Control-Allow-Origin: *\r\nAccess-Control-Allow-Credentials: true\r\n' +
    `Content-Type: ${SIO06_MULTIPART_CONTENT_TYPE}\r\nConnection: keep-alive\r\nDate: Sun, 22 Nov 2026 05:33:58 GMT\r\n\r\n`;
  const parts = (...payloads: string[]): string => payloads.map(sio06MultipartPart).join('');

  test('the opening write: headers, --socketio, the session id part and the welcome part (338 bytes)', () => {
    const body = SIO06_MULTIPART_PRELUDE + parts('~m~16~m~6730480303204724', '~m~7~m~welcome');
    assert.equal(
      body,
      '--socketio\nContent-Type: text/plain\n\n~m~16~m~6730480303204724\n--socketio\nContent-Type: text/plain\n\n~m~7~m~welcome\n--socketio\n',
    );
    assert.equal(utf8Length(head + body), 338);
  });

  test('every later part byte for byte, with the byte counts of its write', () => {
    const writes: [number, string[], string][] = [
      [96, [frameOf(echo(HELLO))], 'Content-Type: text/plain\n\n~m~43~m~echo:hello from the 0.6 client: héllo 中文 😀\n--socketio\n'],
      [
        164,
        [frameOf({ echo: OBJECT })],
        'Content-Type: text/plain\n\n~m~114~m~~j~{"echo":{"s":"héllo 😀","n":42,"f":1.5,"b":true,"z":null,"a":[1,"two",{"three":3}],"nested":{"k":"v:~m~3~m~"}}}\n--socketio\n',
      ],
      [70, [frameOf(echo(BURST[0]))], 'Content-Type: text/plain\n\n~m~24~m~echo:burst 0 plain ascii\n--socketio\n'],
      [
        673,
        BURST.slice(1).map((b) => frameOf(echo(b))),
        'Content-Type: text/plain\n\n~m~32~m~echo:burst 1 héllo wörld ✓ 中文 Жз\n--socketio\n' +
          'Content-Type: text/plain\n\n~m~48~m~echo:burst 2 astral 😀🎉𝄞 (2 UTF-16 units each)\n--socketio\n' +
          'Content-Type: text/plain\n\n~m~48~m~echo:burst 3 ~m~5~m~fake frame ~j~{} ~h~1 inside\n--socketio\n' +
          String.raw`Content-Type: text/plain` +
          '\n\n' +
          String.raw`~m~343~m~echo:burst 4 & = + % ? # / \ " ' ; : , x…(300×x) énd` +
          '\n--socketio\n',
      ],
      [49, ['~m~4~m~~h~1'], 'Content-Type: text/plain\n\n~m~4~m~~h~1\n--socketio\n'],
      [49, ['~m~4~m~~h~2'], 'Content-Type: text/plain\n\n~m~4~m~~h~2\n--socketio\n'],
      [61, [frameOf(echo('after idle'))], 'Content-Type: text/plain\n\n~m~15~m~echo:after idle\n--socketio\n'],
    ];
    for (const [bytes, payloads, shown] of writes) {
      const expected = wire(shown);
      assert.equal(parts(...payloads), expected);
      assert.equal(utf8Length(expected), bytes);
      // each part's body is one payload that decodes to one message
      for (const p of payloads) assert.equal(decodeSio06Payload(p).length, 1);
    }
  });

  test('§4.1 the POST body is the same XHR form encoding', () => {
    const body = 'data=~m~38~m~hello%20from%20the%200.6%20client%3A%20h%C3%A9llo%20%E4%B8%AD%E6%96%87%20%F0%9F%98%80';
    assert.equal(xhrBody(frameOf(HELLO)), body);
    assert.equal(decodeSio06Form(body), frameOf(HELLO));
  });
});

describe('WIRE-EXAMPLES-06 §5 xhr-polling', () => {
  test('the first poll answers the session id, the second the queued welcome', () => {
    assertPayload('~m~17~m~43478972924403303', ['43478972924403303']);
    assert.equal(utf8Length('~m~17~m~43478972924403303'), 25);
    assertPayload('~m~7~m~welcome', ['welcome']);
    assert.equal(utf8Length('~m~7~m~welcome'), 14);
  });

  test('§5.1 the batched multi-frame POST body (Content-Length 666)', () => {
    const body = wire(
      "data=~m~27~m~burst%201%20h%C3%A9llo%20w%C3%B6rld%20%E2%9C%93%20%E4%B8%AD%E6%96%87%20%D0%96%D0%B7~m~43~m~burst%202%20astral%20%F0%9F%98%80%F0%9F%8E%89%F0%9D%84%9E%20(2%20UTF-16%20units%20each)~m~43~m~burst%203%20~m~5~m~fake%20frame%20~j~%7B%7D%20~h~1%20inside~m~338~m~burst%204%20%26%20%3D%20%2B%20%25%20%3F%20%23%20%2F%20%5C%20%22%20'%20%3B%20%3A%20%2C%20x…(300×x)%20%C3%A9nd",
    );
    assert.equal(utf8Length(body), 666);
    assert.equal(xhrBody(encodeSio06Payload(BURST.slice(1))), body);
    assert.deepEqual(decodeSio06Payload(decodeSio06Form(body)), BURST.slice(1));
  });

  test('§5.2 a poll answered with several queued messages in ONE body (Content-Length 471)', () => {
    const body = wire(
      `~m~48~m~echo:burst 2 astral 😀🎉𝄞 (2 UTF-16 units each)~m~48~m~echo:burst 3 ~m~5~m~fake frame ~j~{} ~h~1 inside~m~343~m~echo:burst 4 & = + % ? # / \\ " ' ; : , x…(300×x) énd`,
    );
    assert.equal(utf8Length(body), 471);
    assertPayload(body, BURST.slice(2).map(echo));
  });

  test('§5.3 the idle poll: empty body (Content-Length 0)', () => {
    assertPayload('', []);
  });

  test('§5.4 POST data=~m~3~m~bye (Content-Length 15)', () => {
    assert.equal(utf8Length('data=~m~3~m~bye'), 15);
    assert.equal(xhrBody(frameOf('bye')), 'data=~m~3~m~bye');
    assert.deepEqual(decodeSio06Payload(decodeSio06Form('data=~m~3~m~bye')), ['bye']);
  });
});

describe('WIRE-EXAMPLES-06 §6 jsonp-polling', () => {
  test('the session id and the queued welcome as script calls (Content-Length 42 and 32)', () => {
    const first = 'io.JSONP[0]._("~m~16~m~9357800534235339");';
    assert.equal(sio06JsonpPoll('0', encodeSio06Frame('9357800534235339')), first);
    assert.equal(utf8Length(first), 42);
    assert.deepEqual(runJsonp(first), { index: '0', payload: '~m~16~m~9357800534235339' });
    const second = 'io.JSONP[0]._("~m~7~m~welcome");';
    assert.equal(sio06JsonpPoll('0', frameOf('welcome')), second);
    assert.equal(utf8Length(second), 32);
  });

  test('the index is the last numeric path segment of the URL', () => {
    const index = (url: string): string => /\/([0-9]+)\/?$/.exec(url)?.[1] ?? '';
    assert.equal(sio06JsonpPoll(index('/socket.io/jsonp-polling//1795325668824/0'), ''), 'io.JSONP[0]._("");');
    assert.equal(sio06JsonpPoll(index('/socket.io/jsonp-polling/9357800534235339/1795325668834/3'), ''), 'io.JSONP[3]._("");');
  });

  test('§6.1 the form POST body data=%7Em%7E10%7Em%7Eafter+idle (Content-Length 31)', () => {
    const body = 'data=%7Em%7E10%7Em%7Eafter+idle';
    assert.equal(utf8Length(body), 31);
    assert.equal(formBody(frameOf('after idle')), body);
    assert.deepEqual(decodeSio06Payload(decodeSio06Form(body)), ['after idle']);
  });
});
