/**
 * Every packet and body of WIRE-EXAMPLES.md (bytes from the original 0.9.19
 * server and the 0.9.16 client) decoded to the packet it means and produced
 * again byte for byte. The shown byte counts (WebSocket lengths,
 * Content-Length, chunk sizes) are checked too, since they pin the UTF-8 bytes.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  decodeJsonpForm,
  decodeLegacyPacket,
  decodeLegacyPayload,
  encodeLegacyPacket,
  encodeLegacyPayload,
  FLASH_POLICY_REQUEST,
  flashPolicyXml,
  HTMLFILE_PRELUDE,
  htmlfileChunk,
  legacyHandshakeBody,
  legacyJsonp,
  type LegacyPacket,
} from '../src/index.js';
import { wire, wsText } from './sio1-helpers.js';

const TEXT = 'héllo wörld ✓ 中文 😀';
const bytes = (s: string): number => Buffer.byteLength(s, 'utf8');

type Extra = { endpoint?: string; id?: number; dataAck?: true };
const ev = (name: string, args: unknown[], extra: Extra = {}): LegacyPacket => ({ type: 'event', endpoint: '', ...extra, name, args });
const ack = (ackId: number, args: unknown[], endpoint = ''): LegacyPacket => ({ type: 'ack', endpoint, ackId, args });
const msg = (data: string, extra: Extra = {}): LegacyPacket => ({ type: 'message', endpoint: '', ...extra, data });
const burst = (n: number, xs: number): unknown[] => ['burst', n, `é中😀\ufffd:${'x'.repeat(xs)}`, { k: 'a:b::c' }];
const echoArgs = ['a', { b: [1, 2, { c: null }] }, 3.5, true, null];
const dataAck = (id: number): Extra => ({ id, dataAck: true });

// §2 websocket (and §6.1 flashsocket, the same frames): [frame length, frame as shown, packet].
const WEBSOCKET: [number, string, LegacyPacket][] = [
  [3, String.raw`"1::"`, { type: 'connect', endpoint: '' }],
  [81, String.raw`"5:::{\"name\":\"welcome\",\"args\":[{\"nsp\":\"\",\"text\":\"héllo wörld ✓ 中文 😀\"}]}"`, ev('welcome', [{ nsp: '', text: TEXT }])],
  [71, String.raw`"5:1+::{\"name\":\"echo\",\"args\":[\"a\",{\"b\":[1,2,{\"c\":null}]},3.5,true,null]}"`, ev('echo', echoArgs, dataAck(1))],
  [48, String.raw`"6:::1+[\"a\",{\"b\":[1,2,{\"c\":null}]},3.5,true,null]"`, ack(1, echoArgs)],
  [40, String.raw`"5:::{\"name\":\"echo\",\"args\":[\"no-ack\",42]}"`, ev('echo', ['no-ack', 42])],
  [55, String.raw`"3:::plain: ünïcødé ✓ 😀 : colons :: and\nnewline"`, msg('plain: ünïcødé ✓ 😀 : colons :: and\nnewline')],
  [41, String.raw`"4:::{\"a\":[1,\"2\",{\"c\":null}],\"u\":\"é😀\"}"`, { type: 'json', endpoint: '', data: { a: [1, '2', { c: null }], u: 'é😀' } }],
  [20, String.raw`"3:2::auto-ack please"`, msg('auto-ack please', { id: 2 })],
  [5, String.raw`"6:::2"`, ack(2, [])],
  [19, String.raw`"3:::auto-ack please"`, msg('auto-ack please')],
  [71, String.raw`"5:3+::{\"name\":\"echo\",\"args\":[\"burst\",0,\"é中😀\ufffd:\",{\"k\":\"a:b::c\"}]}"`, ev('echo', burst(0, 0), dataAck(3))],
  [48, String.raw`"6:::3+[\"burst\",0,\"é中😀\ufffd:\",{\"k\":\"a:b::c\"}]"`, ack(3, burst(0, 0))],
  [131, String.raw`"5:4+::{\"name\":\"echo\",\"args\":[\"burst\",1,\"é中😀\ufffd:x…(60×x)\",{\"k\":\"a:b::c\"}]}"`, ev('echo', burst(1, 60), dataAck(4))],
  [191, String.raw`"5:5+::{\"name\":\"echo\",\"args\":[\"burst\",2,\"é中😀\ufffd:x…(120×x)\",{\"k\":\"a:b::c\"}]}"`, ev('echo', burst(2, 120), dataAck(5))],
  [251, String.raw`"5:6+::{\"name\":\"echo\",\"args\":[\"burst\",3,\"é中😀\ufffd:x…(180×x)\",{\"k\":\"a:b::c\"}]}"`, ev('echo', burst(3, 180), dataAck(6))],
  [311, String.raw`"5:7+::{\"name\":\"echo\",\"args\":[\"burst\",4,\"é中😀\ufffd:x…(240×x)\",{\"k\":\"a:b::c\"}]}"`, ev('echo', burst(4, 240), dataAck(7))],
  [108, String.raw`"6:::4+[\"burst\",1,\"é中😀\ufffd:x…(60×x)\",{\"k\":\"a:b::c\"}]"`, ack(4, burst(1, 60))],
  [168, String.raw`"6:::5+[\"burst\",2,\"é中😀\ufffd:x…(120×x)\",{\"k\":\"a:b::c\"}]"`, ack(5, burst(2, 120))],
  [228, String.raw`"6:::6+[\"burst\",3,\"é中😀\ufffd:x…(180×x)\",{\"k\":\"a:b::c\"}]"`, ack(6, burst(3, 180))],
  [288, String.raw`"6:::7+[\"burst\",4,\"é中😀\ufffd:x…(240×x)\",{\"k\":\"a:b::c\"}]"`, ack(7, burst(4, 240))],
  [34, String.raw`"5:::{\"name\":\"ask\",\"args\":[\"q-42\"]}"`, ev('ask', ['q-42'])],
  [41, String.raw`"5:1+::{\"name\":\"question\",\"args\":[\"q-42\"]}"`, ev('question', ['q-42'], dataAck(1))],
  [19, String.raw`"6:::1+[\"answer-42\"]"`, ack(1, ['answer-42'])],
  [44, String.raw`"5:::{\"name\":\"answered\",\"args\":[\"answer-42\"]}"`, ev('answered', ['answer-42'])],
  [8, String.raw`"1::/chat"`, { type: 'connect', endpoint: '/chat' }],
  [
    91,
    String.raw`"5::/chat:{\"name\":\"welcome\",\"args\":[{\"nsp\":\"/chat\",\"text\":\"héllo wörld ✓ 中文 😀\"}]}"`,
    ev('welcome', [{ nsp: '/chat', text: TEXT }], { endpoint: '/chat' }),
  ],
  [45, String.raw`"5:1+:/chat:{\"name\":\"echo\",\"args\":[\"in chat\"]}"`, ev('echo', ['in chat'], { endpoint: '/chat', id: 1, dataAck: true })],
  [22, String.raw`"6::/chat:1+[\"in chat\"]"`, ack(1, ['in chat'], '/chat')],
  [17, String.raw`"3::/chat:chat msg"`, msg('chat msg', { endpoint: '/chat' })],
  [8, String.raw`"0::/chat"`, { type: 'disconnect', endpoint: '/chat' }],
  [49, String.raw`"5:8+::{\"name\":\"echo\",\"args\":[\"after /chat left\"]}"`, ev('echo', ['after /chat left'], dataAck(8))],
  [26, String.raw`"6:::8+[\"after /chat left\"]"`, ack(8, ['after /chat left'])],
  [3, String.raw`"2::"`, { type: 'heartbeat', endpoint: '' }],
  [43, String.raw`"5:9+::{\"name\":\"echo\",\"args\":[\"after idle\"]}"`, ev('echo', ['after idle'], dataAck(9))],
  [20, String.raw`"6:::9+[\"after idle\"]"`, ack(9, ['after idle'])],
  [3, String.raw`"0::"`, { type: 'disconnect', endpoint: '' }],
  [18, String.raw`"5:::{\"name\":\"bye\"}"`, ev('bye', [])],
  // §6.2 draft-76 frames (no lengths shown).
  [-1, String.raw`"5:1+::{\"name\":\"echo\",\"args\":[\"h76\",\"é\"]}"`, ev('echo', ['h76', 'é'], dataAck(1))],
  [-1, String.raw`"6:::1+[\"h76\",\"é\"]"`, ack(1, ['h76', 'é'])],
];

for (const [length, shown, packet] of WEBSOCKET) {
  const frame = wsText(shown);
  test(`WIRE §2 websocket frame ${shown.length > 60 ? `${shown.slice(0, 57)}..."` : shown}`, () => {
    assert.deepEqual(decodeLegacyPacket(frame), packet);
    assert.equal(encodeLegacyPacket(packet), frame);
    if (length >= 0) assert.equal(bytes(frame), length);
  });
}

test('WIRE §1.4, §3.1–3.3, §3.6–3.8: single-packet xhr-polling bodies are the bare packet', () => {
  const bodies: [string, number, LegacyPacket][] = [
    ['1::', 3, { type: 'connect', endpoint: '' }],
    [`5:::{"name":"welcome","args":[{"nsp":"","text":"${TEXT}"}]}`, 81, ev('welcome', [{ nsp: '', text: TEXT }])],
    ['5:1+::{"name":"echo","args":["a",{"b":[1,2,{"c":null}]},3.5,true,null]}', 71, ev('echo', echoArgs, dataAck(1))],
    ['8::', 3, { type: 'noop', endpoint: '' }],
    ['0::', 3, { type: 'disconnect', endpoint: '' }],
    ['7:::1+0', 7, { type: 'error', endpoint: '', reason: 'client not handshaken', advice: 'reconnect' }],
  ];
  for (const [body, contentLength, packet] of bodies) {
    assert.equal(bytes(body), contentLength);
    assert.deepEqual(decodeLegacyPayload(body), [body]);
    assert.equal(encodeLegacyPayload([body]), body);
    assert.deepEqual(decodeLegacyPacket(body), packet);
    assert.equal(encodeLegacyPacket(packet), body);
  }
});

// §3.4: the client's framed POST body; §3.5: the server's framed poll response.
const CLIENT_BURST = wire(
  '«U+FFFD»124«U+FFFD»5:4+::{"name":"echo","args":["burst",1,"é中😀«U+FFFD»:x…(60×x)",{"k":"a:b::c"}]}' +
    '«U+FFFD»184«U+FFFD»5:5+::{"name":"echo","args":["burst",2,"é中😀«U+FFFD»:x…(120×x)",{"k":"a:b::c"}]}' +
    '«U+FFFD»244«U+FFFD»5:6+::{"name":"echo","args":["burst",3,"é中😀«U+FFFD»:x…(180×x)",{"k":"a:b::c"}]}' +
    '«U+FFFD»304«U+FFFD»5:7+::{"name":"echo","args":["burst",4,"é中😀«U+FFFD»:x…(240×x)",{"k":"a:b::c"}]}',
);
const SERVER_BURST = wire(
  '«U+FFFD»101«U+FFFD»6:::4+["burst",1,"é中😀«U+FFFD»:x…(60×x)",{"k":"a:b::c"}]' +
    '«U+FFFD»161«U+FFFD»6:::5+["burst",2,"é中😀«U+FFFD»:x…(120×x)",{"k":"a:b::c"}]' +
    '«U+FFFD»221«U+FFFD»6:::6+["burst",3,"é中😀«U+FFFD»:x…(180×x)",{"k":"a:b::c"}]' +
    '«U+FFFD»281«U+FFFD»6:::7+["burst",4,"é中😀«U+FFFD»:x…(240×x)",{"k":"a:b::c"}]',
);

test('WIRE §3.4: the client burst POST body decodes to 4 events and is rebuilt byte-exact', () => {
  assert.equal(bytes(CLIENT_BURST), 920);
  const packets = decodeLegacyPayload(CLIENT_BURST);
  assert.deepEqual(
    packets.map((p) => p.length),
    [124, 184, 244, 304],
  );
  assert.deepEqual(
    packets.map(decodeLegacyPacket),
    [1, 2, 3, 4].map((n) => ev('echo', burst(n, 60 * n), dataAck(n + 3))),
  );
  assert.equal(encodeLegacyPayload(packets.map((p) => encodeLegacyPacket(decodeLegacyPacket(p)))), CLIENT_BURST);
});

test('WIRE §3.5: the server burst poll response is the 4 acks framed, byte-exact', () => {
  assert.equal(bytes(SERVER_BURST), 828);
  const acks = [1, 2, 3, 4].map((n) => ack(n + 3, burst(n, 60 * n)));
  const packets = acks.map(encodeLegacyPacket);
  assert.deepEqual(
    packets.map((p) => p.length),
    [101, 161, 221, 281],
  );
  assert.equal(encodeLegacyPayload(packets), SERVER_BURST);
  assert.deepEqual(decodeLegacyPayload(SERVER_BURST).map(decodeLegacyPacket), acks);
});

test('WIRE §4.1: jsonp-polling GET bodies', () => {
  assert.equal(legacyJsonp('1', '1::'), 'io.j[1]("1::");');
  assert.equal(bytes(legacyJsonp('1', '1::')), 15);
  const welcome = encodeLegacyPacket(ev('welcome', [{ nsp: '', text: TEXT }]));
  const body = legacyJsonp('1', welcome);
  assert.equal(body, String.raw`io.j[1]("5:::{\"name\":\"welcome\",\"args\":[{\"nsp\":\"\",\"text\":\"héllo wörld ✓ 中文 😀\"}]}");`);
  assert.equal(bytes(body), 107);
});

test('WIRE §4.2: the jsonp form POST body decodes to the json packet', () => {
  const body = 'd=%224%3A%3A%3A%7B%5C%22a%5C%22%3A%5B1%2C%5C%222%5C%22%2C%7B%5C%22c%5C%22%3Anull%7D%5D%2C%5C%22u%5C%22%3A%5C%22%C3%A9%F0%9F%98%80%5C%22%7D%22';
  assert.equal(bytes(body), 141);
  const payload = decodeJsonpForm(body);
  assert.equal(payload, '4:::{"a":[1,"2",{"c":null}],"u":"é😀"}');
  assert.deepEqual(decodeLegacyPayload(payload).map(decodeLegacyPacket), [{ type: 'json', endpoint: '', data: { a: [1, '2', { c: null }], u: 'é😀' } }]);
});

test('WIRE §4.3: a framed payload inside the JSONP wrapper', () => {
  const acks = [2, 3, 4].map((n) => encodeLegacyPacket(ack(n + 3, burst(n, 60 * n))));
  const body = legacyJsonp('1', encodeLegacyPayload(acks));
  const shown = wire(
    String.raw`io.j[1]("«U+FFFD»161«U+FFFD»6:::5+[\"burst\",2,\"é中😀«U+FFFD»:x…(120×x)\",{\"k\":\"a:b::c\"}]` +
      String.raw`«U+FFFD»221«U+FFFD»6:::6+[\"burst\",3,\"é中😀«U+FFFD»:x…(180×x)\",{\"k\":\"a:b::c\"}]` +
      String.raw`«U+FFFD»281«U+FFFD»6:::7+[\"burst\",4,\"é中😀«U+FFFD»:x…(240×x)\",{\"k\":\"a:b::c\"}]");`,
  );
  assert.equal(body, shown);
  assert.equal(bytes(body), 747);
});

test('WIRE §5: the htmlfile prelude is the exact 256-byte first chunk', () => {
  assert.equal(HTMLFILE_PRELUDE.length, 256);
  assert.equal(bytes(HTMLFILE_PRELUDE), 0x100);
  assert.equal(HTMLFILE_PRELUDE, '<html><body><script>var _ = function (msg) { parent.s._(msg, document); };</script>' + ' '.repeat(173));
});

test('WIRE §5: htmlfile payload chunks, "/" escaped as "\\/", with their chunk sizes', () => {
  const chunks: [LegacyPacket, number, string][] = [
    [{ type: 'connect', endpoint: '' }, 0x1a, '<script>_("1::");</script>'],
    [
      ev('welcome', [{ nsp: '', text: TEXT }]),
      0x76,
      String.raw`<script>_("5:::{\"name\":\"welcome\",\"args\":[{\"nsp\":\"\",\"text\":\"héllo wörld ✓ 中文 😀\"}]}");</script>`,
    ],
    [ack(1, echoArgs), 0x4d, String.raw`<script>_("6:::1+[\"a\",{\"b\":[1,2,{\"c\":null}]},3.5,true,null]");</script>`],
    [ev('echo', ['no-ack', 42]), 0x47, String.raw`<script>_("5:::{\"name\":\"echo\",\"args\":[\"no-ack\",42]}");</script>`],
    [{ type: 'connect', endpoint: '/chat' }, 0x20, String.raw`<script>_("1::\/chat");</script>`],
    [
      ev('welcome', [{ nsp: '/chat', text: TEXT }], { endpoint: '/chat' }),
      0x82,
      String.raw`<script>_("5::\/chat:{\"name\":\"welcome\",\"args\":[{\"nsp\":\"\/chat\",\"text\":\"héllo wörld ✓ 中文 😀\"}]}");</script>`,
    ],
    [{ type: 'heartbeat', endpoint: '' }, 0x1a, '<script>_("2::");</script>'],
    [{ type: 'disconnect', endpoint: '' }, 0x1a, '<script>_("0::");</script>'],
  ];
  for (const [packet, size, chunk] of chunks) {
    assert.equal(htmlfileChunk(encodeLegacyPayload([encodeLegacyPacket(packet)])), chunk);
    assert.equal(bytes(chunk), size);
  }
});

test('SPEC §5: the unknown-session error as each polling transport writes it', () => {
  const error = encodeLegacyPacket({ type: 'error', endpoint: '', reason: 'client not handshaken', advice: 'reconnect' });
  assert.equal(error, '7:::1+0');
  assert.equal(legacyJsonp('3', error), 'io.j[3]("7:::1+0");');
  assert.equal(htmlfileChunk(error), '<script>_("7:::1+0");</script>');
});

test('WIRE §1.1–1.3: handshake bodies, plain and JSONP', () => {
  const transports = ['websocket', 'flashsocket', 'htmlfile', 'xhr-polling', 'jsonp-polling'];
  const plain = legacyHandshakeBody('PZs0rmeaY1Uj3AyvljYS', 60, 60, transports);
  assert.equal(plain, 'PZs0rmeaY1Uj3AyvljYS:60:60:websocket,flashsocket,htmlfile,xhr-polling,jsonp-polling');
  assert.equal(bytes(plain), 0x53);
  const jsonp = legacyJsonp('0', legacyHandshakeBody('g7ZFNZJuf74qeMp7ljYl', 60, 60, transports));
  assert.equal(jsonp, 'io.j[0]("g7ZFNZJuf74qeMp7ljYl:60:60:websocket,flashsocket,htmlfile,xhr-polling,jsonp-polling");');
  assert.equal(bytes(jsonp), 0x5f);
});

test('WIRE §6.3: the Flash socket policy for origins *:*', () => {
  assert.equal(FLASH_POLICY_REQUEST, '<policy-file-request/>\0');
  assert.equal(bytes(FLASH_POLICY_REQUEST), 23);
  const xml = flashPolicyXml(['*:*']);
  assert.equal(
    xml,
    '<?xml version="1.0"?><!DOCTYPE cross-domain-policy SYSTEM "http://www.macromedia.com/xml/dtds/cross-domain-policy.dtd"><cross-domain-policy><allow-access-from domain="*" to-ports="*"/></cross-domain-policy>',
  );
  assert.equal(bytes(xml), 206);
});
