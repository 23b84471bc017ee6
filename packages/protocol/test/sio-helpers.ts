import assert from 'node:assert/strict';
import { DecodeError, SioDecodeError, SioDecoder, type SioPacket, type SioRevision } from '../src/index.js';

/** Asserts `fn` throws a SioDecodeError with `reason` (and `revision`, if given). */
export function assertSioError(fn: () => unknown, reason: string, revision?: SioRevision): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof SioDecodeError, `expected SioDecodeError, got ${String(e)}`);
    assert.ok(e instanceof DecodeError);
    assert.equal(e.reason, reason, e.message);
    if (revision !== undefined) assert.equal(e.revision, revision);
    return true;
  });
}

/** Decodes a whole frame sequence with a fresh decoder; every frame but the last must return null. */
export function decodeFrames(frames: readonly (string | Uint8Array)[], revision: SioRevision = 5, maxAttachments?: number): SioPacket {
  const decoder = new SioDecoder(maxAttachments === undefined ? { revision } : { revision, maxAttachments });
  let last: SioPacket | null = null;
  frames.forEach((frame, i) => {
    last = decoder.add(frame);
    if (i < frames.length - 1) assert.equal(last, null, `frame ${i} completed a packet early`);
  });
  assert.ok(last !== null, 'the last frame did not complete a packet');
  assert.equal(decoder.awaiting, 0);
  return last;
}

/** Decodes a single text frame. */
export function decode(frame: string, revision: SioRevision = 5): SioPacket {
  return decodeFrames([frame], revision);
}

/** Every SioDecoder input error with `reason`, for single text frames, in both revisions. */
export function assertRejected(frame: string, reason: string, revisions: readonly SioRevision[] = [4, 5]): void {
  for (const revision of revisions) {
    assertSioError(() => new SioDecoder({ revision }).add(frame), reason, revision);
  }
}

/** Copy of `value` with every binary as a Buffer over the same bytes: what the decoder hands out. */
export function asDecoded(value: unknown): unknown {
  if (ArrayBuffer.isView(value)) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (value instanceof ArrayBuffer) return Buffer.from(value);
  if (Array.isArray(value)) return value.map(asDecoded);
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) Object.defineProperty(out, k, { value: asDecoded(v), enumerable: true, writable: true, configurable: true });
    return out;
  }
  return value;
}

/** What `p` decodes back to: BINARY_* types become EVENT/ACK, binaries Buffers, undefined keys absent. */
export function expectedPacket(p: SioPacket): SioPacket {
  const type = p.type === 5 ? 2 : p.type === 6 ? 3 : p.type;
  const out: SioPacket = { type, nsp: p.nsp };
  if (p.id !== undefined) out.id = p.id;
  if (p.data !== undefined) out.data = asDecoded(p.data);
  if (p.query !== undefined) out.query = p.query;
  return out;
}

/** Frames as plain Buffers, so deepEqual compares bytes whatever view type a codec returned. */
export function plainFrames(frames: readonly (string | ArrayBufferView | ArrayBuffer)[]): (string | Buffer)[] {
  return frames.map((f) => (typeof f === 'string' ? f : (asDecoded(f) as Buffer)));
}
