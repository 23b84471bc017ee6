import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SioPacketType, type SioPacket } from '@nonstick/protocol';
import { sio06Inbound, sio06Outbound } from '../../src/sio/sio06-packets.js';

/** Inbound with a record of what was reported damaged. */
function inbound(message: string): { packet: SioPacket | null; damaged: unknown[] } {
  const damaged: unknown[] = [];
  return { packet: sio06Inbound(message, (e) => damaged.push(e)), damaged };
}

const message = (data: unknown): SioPacket => ({ type: SioPacketType.EVENT, nsp: '/', data: ['message', data] });

describe('sio06Inbound: what a 0.6 client message means to the Socket.IO layer', () => {
  it('text is the message event with the text', () => {
    assert.deepEqual(inbound('héllo ~m~ 😀'), { packet: message('héllo ~m~ 😀'), damaged: [] });
    assert.deepEqual(inbound(''), { packet: message(''), damaged: [] });
  });

  it('~j~ JSON is the message event with the parsed value', () => {
    assert.deepEqual(inbound('~j~{"a":[1,"b",null]}'), { packet: message({ a: [1, 'b', null] }), damaged: [] });
    assert.deepEqual(inbound('~j~42'), { packet: message(42), damaged: [] });
  });

  it('~j~ that is not JSON is {} (as 0.6 read it), and reported damaged', () => {
    const r = inbound('~j~{not json');
    assert.deepEqual(r.packet, message({}));
    assert.equal(r.damaged.length, 1);
  });

  it('heartbeats are nothing for the application', () => {
    assert.deepEqual(inbound('~h~1'), { packet: null, damaged: [] });
    assert.deepEqual(inbound('~h~'), { packet: null, damaged: [] });
  });
});

describe('sio06Outbound: what a packet becomes for a 0.6 client', () => {
  it("send(x): 'message' with one argument goes as 0.6's send wrote it", () => {
    assert.equal(sio06Outbound(message('hi')), 'hi');
    assert.equal(sio06Outbound(message({ a: 1 })), '~j~{"a":1}');
    assert.equal(sio06Outbound(message(7)), '7');
    assert.equal(sio06Outbound(message(null)), '');
  });

  it('any other event is the JSON message {name, args}', () => {
    assert.equal(sio06Outbound({ type: SioPacketType.EVENT, nsp: '/', data: ['news', 1, { b: 2 }] }), '~j~{"name":"news","args":[1,{"b":2}]}');
    assert.equal(sio06Outbound({ type: SioPacketType.EVENT, nsp: '/', data: ['message', 1, 2] }), '~j~{"name":"message","args":[1,2]}');
    assert.equal(sio06Outbound({ type: SioPacketType.BINARY_EVENT, nsp: '/', data: ['e'] }), '~j~{"name":"e","args":[]}');
  });

  it('leaving or being refused the main namespace ends the session', () => {
    assert.equal(sio06Outbound({ type: SioPacketType.DISCONNECT, nsp: '/' }), 'close');
    assert.equal(sio06Outbound({ type: SioPacketType.CONNECT_ERROR, nsp: '/', data: { message: 'no' } }), 'close');
  });

  it('connect, acks and every other namespace say nothing', () => {
    assert.equal(sio06Outbound({ type: SioPacketType.CONNECT, nsp: '/', data: { sid: 'x' } }), null);
    assert.equal(sio06Outbound({ type: SioPacketType.ACK, nsp: '/', id: 1, data: [] }), null);
    assert.equal(sio06Outbound({ type: SioPacketType.EVENT, nsp: '/chat', data: ['message', 'hi'] }), null);
    assert.equal(sio06Outbound({ type: SioPacketType.DISCONNECT, nsp: '/chat' }), null);
  });
});
