import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { encodeSioPacket, hasBinary, isBinary, SioDecoder, SioPacketType } from '../src/index.js';
import { bytes } from './helpers.js';
import { assertSioError, decodeFrames } from './sio-helpers.js';

const { EVENT, ACK } = SioPacketType;

describe('hasBinary', () => {
  test('primitives and plain JSON have no binary', () => {
    for (const v of [undefined, null, 0, 'x', true, 1n, Symbol('s'), () => 1, [], {}, ['a', { b: [1, { c: null }] }], new Date(), /re/]) {
      assert.equal(hasBinary(v), false);
    }
  });

  test('Buffers, Uint8Arrays, other typed arrays, DataViews and ArrayBuffers are binary, at any depth', () => {
    const binaries = [bytes(1), new Uint8Array(0), new Float32Array(2), new BigInt64Array(1), new DataView(new ArrayBuffer(1)), new ArrayBuffer(0)];
    for (const b of binaries) {
      assert.equal(isBinary(b), true);
      assert.equal(hasBinary(b), true);
      assert.equal(hasBinary([b]), true);
      assert.equal(hasBinary(['e', 1, { a: [null, { b }] }]), true);
    }
  });

  test('Blob, SharedArrayBuffer and array-likes are not binary', () => {
    assert.equal(hasBinary([new Blob(['x'])]), false);
    assert.equal(hasBinary([new SharedArrayBuffer(1)]), false);
    assert.equal(hasBinary([{ length: 1, 0: 1 }]), false);
  });

  test('only own enumerable properties are searched', () => {
    const proto = { inherited: bytes(1) };
    assert.equal(hasBinary([Object.create(proto)]), false);
    const hidden = {};
    Object.defineProperty(hidden, 'x', { value: bytes(1), enumerable: false });
    assert.equal(hasBinary([hidden]), false);
  });

  test('toJSON results are searched instead of the object, one level of toJSON at a time', () => {
    assert.equal(hasBinary([{ toJSON: () => bytes(1) }]), true);
    assert.equal(hasBinary([{ toJSON: () => ({ deep: [bytes(1)] }) }]), true);
    assert.equal(hasBinary([{ raw: bytes(1), toJSON: () => 'hidden' }]), false);
    // The toJSON result's own toJSON is not called (as in the reference)...
    assert.equal(hasBinary({ toJSON: () => ({ x: bytes(1), toJSON: () => 'no' }) }), true);
    // ...but its children's are.
    assert.equal(hasBinary({ toJSON: () => ({ child: { toJSON: () => bytes(1) } }) }), true);
  });
});

describe('binary packet reassembly', () => {
  test('a binary event arrives over three frames', () => {
    const decoder = new SioDecoder();
    assert.equal(decoder.add('52-/chat,7["up",{"_placeholder":true,"num":1},{"x":[{"_placeholder":true,"num":0}]}]'), null);
    assert.equal(decoder.awaiting, 2);
    const first = bytes(1, 2);
    assert.equal(decoder.add(first), null);
    assert.equal(decoder.awaiting, 1);
    const second = bytes(3);
    const packet = decoder.add(second);
    assert.deepEqual(packet, { type: EVENT, nsp: '/chat', id: 7, data: ['up', bytes(3), { x: [bytes(1, 2)] }] });
    const data = packet?.data as [string, Buffer, { x: Buffer[] }];
    assert.equal(data[1], second, 'the frame itself, not a copy');
    assert.equal(data[2].x[0], first);
    assert.equal(decoder.awaiting, 0);
  });

  test('binary ack, and placeholders used twice or not at all (as the reference allows)', () => {
    assert.deepEqual(decodeFrames(['62-3[{"_placeholder":true,"num":1},{"_placeholder":true,"num":1}]', bytes(9), bytes(8)]), {
      type: ACK,
      nsp: '/',
      id: 3,
      data: [bytes(8), bytes(8)],
    });
  });

  test('plain Uint8Array frames come out as Buffer views of the same memory', () => {
    const backing = new Uint8Array([0, 1, 2, 3]);
    const frame = backing.subarray(1, 3);
    const p = decodeFrames(['51-["b",{"_placeholder":true,"num":0}]', frame]);
    const buf = (p.data as unknown[])[1] as Buffer;
    assert.ok(Buffer.isBuffer(buf));
    assert.equal(buf.buffer, backing.buffer);
    assert.equal(buf.byteOffset, 1);
    assert.deepEqual([...buf], [1, 2]);
  });

  test('a placeholder may carry extra keys; "_placeholder" must be exactly true', () => {
    assert.deepEqual(decodeFrames(['51-["b",{"_placeholder":true,"num":0,"extra":1}]', bytes(1)]).data, ['b', bytes(1)]);
    assert.deepEqual(decodeFrames(['51-["b",{"_placeholder":"true","num":0}]', bytes(1)]).data, ['b', { _placeholder: 'true', num: 0 }]);
    assert.deepEqual(decodeFrames(['51-["b",{"_placeholder":1,"num":0}]', bytes(1)]).data, ['b', { _placeholder: 1, num: 0 }]);
  });

  test('placeholder under a "__proto__" key stays an own property', () => {
    const p = decodeFrames(['51-["b",{"__proto__":{"_placeholder":true,"num":0}}]', bytes(5)]);
    const obj = (p.data as unknown[])[1] as object;
    assert.equal(Object.getPrototypeOf(obj), Object.prototype);
    assert.deepEqual(Object.getOwnPropertyDescriptor(obj, '__proto__')?.value, bytes(5));
  });

  test('deeply nested binary packets do not overflow the stack', () => {
    const depth = 200_000;
    const text = `51-["deep",${'['.repeat(depth)}{"_placeholder":true,"num":0}${']'.repeat(depth)}]`;
    const p = decodeFrames([text, bytes(1)]);
    let node = (p.data as unknown[])[1];
    for (let i = 0; i < depth; i++) node = (node as unknown[])[0];
    assert.deepEqual(node, bytes(1));
  });

  test('attachment counts: leading zeros allowed, up to maxAttachments (default 10)', () => {
    const ten = Array.from({ length: 10 }, (_, i) => `{"_placeholder":true,"num":${i}}`).join(',');
    const frames = Array.from({ length: 10 }, (_, i) => bytes(i));
    assert.deepEqual(decodeFrames([`510-["t",${ten}]`, ...frames]).data, ['t', ...frames]);
    assert.deepEqual(decodeFrames(['5001-["t"]', bytes(1)]).data, ['t']);
    assertSioError(() => new SioDecoder().add('511-["t"]'), 'too-many-attachments', 5);
    assertSioError(() => new SioDecoder({ revision: 4 }).add('611-[]'), 'too-many-attachments', 4);
    assertSioError(() => new SioDecoder().add(`5${'9'.repeat(400)}-["t"]`), 'too-many-attachments');
    assertSioError(() => new SioDecoder({ maxAttachments: 2 }).add('53-["t"]'), 'too-many-attachments');
    assert.equal(new SioDecoder({ maxAttachments: 2 }).add('52-["t"]'), null);
    assertSioError(() => new SioDecoder({ maxAttachments: 0 }).add('51-["t"]'), 'too-many-attachments');
    assert.equal(new SioDecoder({ maxAttachments: Infinity }).add('51000-["t"]'), null);
  });

  test('malformed attachment counts', () => {
    for (const frame of ['5', '5-["t"]', '5["t"]', '51["t"]', '5a-["t"]', '5 1-["t"]', '5+1-["t"]', '51.0-["t"]', '5/x,1-["t"]', '6-[]', '61']) {
      for (const revision of [4, 5] as const) {
        assertSioError(() => new SioDecoder({ revision }).add(frame), 'invalid-attachments', revision);
      }
    }
  });

  test('zero attachments: refused by revision 5, an ordinary packet in revision 4', () => {
    assertSioError(() => new SioDecoder().add('50-["t"]'), 'invalid-attachments', 5);
    assertSioError(() => new SioDecoder().add('60-1[]'), 'invalid-attachments', 5);
    // socket.io-client 2.x sends this for socket.binary(true).emit(...) without binaries.
    assert.deepEqual(new SioDecoder({ revision: 4 }).add('50-["t",1]'), { type: EVENT, nsp: '/', data: ['t', 1] });
    assert.deepEqual(new SioDecoder({ revision: 4 }).add('60-/x,1[]'), { type: ACK, nsp: '/x', id: 1, data: [] });
    assertSioError(() => new SioDecoder({ revision: 4 }).add('50-["t",{"_placeholder":true,"num":0}]'), 'invalid-placeholder', 4);
  });

  test('payload rules apply to binary packets too', () => {
    for (const frame of ['51-', '51-/x,', '51-[]', '51-[{"_placeholder":true,"num":0}]', '51-["disconnect"]', '61-{}', '61-1']) {
      assertSioError(() => new SioDecoder().add(frame), 'invalid-payload');
    }
    assertSioError(() => new SioDecoder().add('51-["a"'), 'invalid-json');
  });

  test('placeholders must name an announced attachment, checked on the text frame', () => {
    for (const placeholder of [
      '{"_placeholder":true,"num":1}',
      '{"_placeholder":true,"num":-1}',
      '{"_placeholder":true,"num":0.5}',
      '{"_placeholder":true,"num":"0"}',
      '{"_placeholder":true,"num":null}',
      '{"_placeholder":true}',
      '{"_placeholder":true,"num":1e400}',
    ]) {
      assertSioError(() => new SioDecoder().add(`51-["b",${placeholder}]`), 'invalid-placeholder', 5);
      assertSioError(() => new SioDecoder({ revision: 4 }).add(`61-[{"a":[${placeholder}]}]`), 'invalid-placeholder', 4);
    }
  });

  test('text while attachments are awaited is an error, and drops the partial packet', () => {
    const decoder = new SioDecoder();
    assert.equal(decoder.add('51-["b",{"_placeholder":true,"num":0}]'), null);
    assert.throws(
      () => decoder.add('2["a"]'),
      (e: unknown) =>
        e instanceof Error && e.message === 'got plaintext data when reconstructing a packet' && (e as { reason?: string }).reason === 'unexpected-text',
    );
    assert.equal(decoder.awaiting, 0);
    assert.deepEqual(decoder.add('2["a"]'), { type: EVENT, nsp: '/', data: ['a'] });
  });

  test('binary without a packet awaiting it is an error', () => {
    const decoder = new SioDecoder();
    assert.throws(
      () => decoder.add(bytes(1)),
      (e: unknown) =>
        e instanceof Error && e.message === 'got binary data when not reconstructing a packet' && (e as { reason?: string }).reason === 'unexpected-binary',
    );
    decoder.add('2["a"]');
    assertSioError(() => decoder.add(bytes(1)), 'unexpected-binary');
    assert.equal(decoder.add('51-["b",{"_placeholder":true,"num":0}]'), null);
    assert.notEqual(decoder.add(bytes(1)), null);
    assertSioError(() => decoder.add(bytes(2)), 'unexpected-binary');
  });

  test('reset() drops a partial packet; the decoder is reusable after any error', () => {
    const decoder = new SioDecoder();
    decoder.add('52-["b",{"_placeholder":true,"num":0}]');
    decoder.add(bytes(1));
    decoder.reset();
    assert.equal(decoder.awaiting, 0);
    assertSioError(() => decoder.add(bytes(2)), 'unexpected-binary');
    assertSioError(() => decoder.add('9'), 'unknown-type');
    assert.deepEqual(decoder.add('1'), { type: SioPacketType.DISCONNECT, nsp: '/' });
  });

  test('frames that are neither strings nor bytes', () => {
    for (const bad of [undefined, null, 42, {}, [], new ArrayBuffer(1), { base64: true }]) {
      assertSioError(() => new SioDecoder().add(bad as never), 'invalid-frame');
    }
  });

  test('decoder options are validated', () => {
    for (const opts of [{ revision: 3 }, { revision: '5' }, { maxAttachments: -1 }, { maxAttachments: 1.5 }, { maxAttachments: NaN }]) {
      assert.throws(() => new SioDecoder(opts as never), TypeError);
    }
    const d = new SioDecoder();
    assert.equal(d.revision, 5);
    assert.equal(d.maxAttachments, 10);
  });

  test('encoder output reassembles, whatever kind of binary went in', () => {
    const data = [
      'kinds',
      bytes(1),
      new Uint8Array([2]),
      new Uint16Array([0x0403]).buffer,
      new Int8Array([-1]),
      new DataView(new Uint8Array([7, 8]).buffer, 1),
    ];
    for (const revision of [4, 5] as const) {
      const frames = encodeSioPacket({ type: EVENT, nsp: '/n', id: 2, data }, revision);
      assert.equal(frames.length, 6);
      assert.deepEqual(decodeFrames(frames, revision), {
        type: EVENT,
        nsp: '/n',
        id: 2,
        data: ['kinds', bytes(1), bytes(2), bytes(3, 4), bytes(0xff), bytes(8)],
      });
    }
  });
});
