import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DecodeError, encodeSioPacket, SioPacketType, type SioPacket } from '@nonstick/protocol';
import { legacyInbound, legacyOutbound, reencodeFrames } from '../../src/sio/legacy-packets.js';

describe('legacyInbound: protocol 1 packets as the Socket.IO layer sees them', () => {
  it('0:: on the main endpoint ends the session; on a namespace it leaves that namespace', () => {
    assert.deepEqual(legacyInbound('0::'), { kind: 'close' });
    assert.deepEqual(legacyInbound('0::/chat'), { kind: 'packet', packet: { type: SioPacketType.DISCONNECT, nsp: '/chat' } });
  });

  it('1:: joins a namespace (its query, after the endpoint, without the ?); the main one needs no packet', () => {
    assert.deepEqual(legacyInbound('1::'), { kind: 'ignore' });
    assert.deepEqual(legacyInbound('1::/chat'), { kind: 'packet', packet: { type: SioPacketType.CONNECT, nsp: '/chat' } });
    assert.deepEqual(legacyInbound('1::/chat:?token=a'), { kind: 'packet', packet: { type: SioPacketType.CONNECT, nsp: '/chat', query: 'token=a' } });
  });

  it('message and json packets are the message event', () => {
    assert.deepEqual(legacyInbound('3:::héllo: world'), { kind: 'packet', packet: { type: SioPacketType.EVENT, nsp: '/', data: ['message', 'héllo: world'] } });
    assert.deepEqual(legacyInbound('4::/chat:{"a":1}'), { kind: 'packet', packet: { type: SioPacketType.EVENT, nsp: '/chat', data: ['message', { a: 1 }] } });
  });

  it('an event is its name and args', () => {
    assert.deepEqual(legacyInbound('5:::{"name":"news","args":[1,"x"]}'), {
      kind: 'packet',
      packet: { type: SioPacketType.EVENT, nsp: '/', data: ['news', 1, 'x'] },
    });
  });

  it('an id with + asks the application for the ack; without + the server acks at once', () => {
    assert.deepEqual(legacyInbound('5:7+::{"name":"e","args":[]}'), { kind: 'packet', packet: { type: SioPacketType.EVENT, nsp: '/', data: ['e'], id: 7 } });
    assert.deepEqual(legacyInbound('3:8::hi'), { kind: 'packet', packet: { type: SioPacketType.EVENT, nsp: '/', data: ['message', 'hi'] }, autoAck: '6:::8' });
    assert.deepEqual(legacyInbound('5:9:/chat:{"name":"e"}').kind, 'packet');
    assert.equal((legacyInbound('5:9:/chat:{"name":"e"}') as { autoAck?: string }).autoAck, '6::/chat:9');
  });

  it('an ack carries its id and args', () => {
    assert.deepEqual(legacyInbound('6:::4+["a",2]'), { kind: 'packet', packet: { type: SioPacketType.ACK, nsp: '/', id: 4, data: ['a', 2] } });
  });

  it('heartbeats, noops and errors are nothing for the application', () => {
    for (const p of ['2::', '8::', '7:::reason']) assert.deepEqual(legacyInbound(p), { kind: 'ignore' }, p);
  });

  it('an endpoint without its leading slash is the same namespace', () => {
    assert.deepEqual(legacyInbound('0::chat'), { kind: 'packet', packet: { type: SioPacketType.DISCONNECT, nsp: '/chat' } });
  });

  it('a malformed packet throws a DecodeError', () => {
    for (const bad of ['', 'x', '9::', '5:::{not json']) assert.throws(() => legacyInbound(bad), DecodeError, JSON.stringify(bad));
  });
});

describe('legacyOutbound: what a packet becomes on a protocol 1 connection', () => {
  const out = (p: SioPacket) => legacyOutbound(p);

  it('connect and disconnect of a namespace; the main namespace disconnect is the session end (null)', () => {
    assert.equal(out({ type: SioPacketType.CONNECT, nsp: '/chat', data: { sid: 'x' } }), '1::/chat');
    assert.equal(out({ type: SioPacketType.CONNECT, nsp: '/' }), '1::');
    assert.equal(out({ type: SioPacketType.DISCONNECT, nsp: '/chat' }), '0::/chat');
    assert.equal(out({ type: SioPacketType.DISCONNECT, nsp: '/' }), null);
  });

  it('send(): a string is a message packet, anything else a json packet', () => {
    assert.equal(out({ type: SioPacketType.EVENT, nsp: '/', data: ['message', 'hi: there'] }), '3:::hi: there');
    assert.equal(out({ type: SioPacketType.EVENT, nsp: '/chat', data: ['message', { a: 1 }] }), '4::/chat:{"a":1}');
  });

  it('other events, and a message event with an ack, are event packets; an ack id gets +', () => {
    assert.equal(out({ type: SioPacketType.EVENT, nsp: '/', data: ['news', 1] }), '5:::{"name":"news","args":[1]}');
    assert.equal(out({ type: SioPacketType.EVENT, nsp: '/', data: ['message', 'x'], id: 3 }), '5:3+::{"name":"message","args":["x"]}');
    assert.equal(out({ type: SioPacketType.BINARY_EVENT, nsp: '/', data: ['e', 'a', 'b'] }), '5:::{"name":"e","args":["a","b"]}');
  });

  it('acks carry their id and args', () => {
    assert.equal(out({ type: SioPacketType.ACK, nsp: '/', id: 5, data: ['ok', 1] }), '6:::5+["ok",1]');
    assert.equal(out({ type: SioPacketType.BINARY_ACK, nsp: '/chat', id: 6, data: [] }), '6::/chat:6');
  });

  it('a refused namespace is an error packet with reason 2 (unauthorized) and no advice', () => {
    assert.equal(out({ type: SioPacketType.CONNECT_ERROR, nsp: '/private', data: { message: 'no' } }), '7::/private:2');
  });

  it('what a 0.9 client sends reads back unchanged through outbound(inbound())', () => {
    for (const wire of ['3:::hi', '4::/chat:{"a":[1]}', '5:::{"name":"n","args":[1,"x"]}', '6:::2+["r"]', '0::/chat', '1::/chat']) {
      const r = legacyInbound(wire);
      assert.equal(r.kind, 'packet', wire);
      if (r.kind === 'packet') assert.equal(legacyOutbound(r.packet), wire, wire);
    }
  });
});

describe('reencodeFrames: one re-encoding per broadcast and encoder', () => {
  const frames = (p: SioPacket) => encodeSioPacket(p, 5);

  it('decodes the revision 5 frames and hands the packet to the encoder', () => {
    const f = frames({ type: SioPacketType.EVENT, nsp: '/', data: ['news', { a: 1 }] });
    assert.equal(reencodeFrames(f, legacyOutbound), '5:::{"name":"news","args":[{"a":1}]}');
  });

  it('calls the encoder once per frames array, however many recipients ask', () => {
    const f = frames({ type: SioPacketType.EVENT, nsp: '/', data: ['x'] });
    let calls = 0;
    const enc = (p: SioPacket) => (calls++, legacyOutbound(p));
    for (let i = 0; i < 5; i++) assert.equal(reencodeFrames(f, enc), '5:::{"name":"x"}', 'no args, no args key (as 0.9 wrote it)');
    assert.equal(calls, 1);
    const other = (p: SioPacket) => `other:${p.type}`;
    assert.equal(reencodeFrames(f, other), `other:${SioPacketType.EVENT}`, 'another encoder gets its own result');
  });

  it('binary events arrive whole (placeholder frame + attachments)', () => {
    const f = frames({ type: SioPacketType.BINARY_EVENT, nsp: '/', data: ['bin', new Uint8Array([1, 2])] });
    assert.equal(f.length, 2, 'a header and one attachment');
    const packet = reencodeFrames(f, (p) => p);
    const [name, bytes] = packet?.data as [string, Uint8Array];
    assert.equal(name, 'bin');
    assert.deepEqual([...bytes], [1, 2]);
  });

  it('frames that do not decode give null (and are not retried)', () => {
    let calls = 0;
    assert.equal(
      reencodeFrames(['not a packet'], () => ++calls),
      null,
    );
    assert.equal(calls, 0);
  });
});
