import assert from 'node:assert/strict';
import { DecodeError, type EioPacket } from '../src/index.js';

/** Asserts `fn` throws a DecodeError (optionally with `reason`), nothing else. */
export function assertDecodeError(fn: () => unknown, reason?: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof DecodeError, `expected DecodeError, got ${String(e)}`);
    if (reason !== undefined) assert.equal(e.reason, reason, e.message);
    return true;
  });
}

/** Runs `fn`; a DecodeError is fine, any other exception fails the test. */
export function onlyDecodeErrors<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch (e) {
    if (e instanceof DecodeError) return undefined;
    throw e;
  }
}

/**
 * Packets with binary data as Buffer views, so deepStrictEqual compares bytes
 * regardless of whether a codec produced a Buffer or a plain Uint8Array.
 */
export function plain(packets: readonly EioPacket[]): EioPacket[] {
  return packets.map((p) => {
    const data = p.data;
    if (data === undefined || typeof data === 'string') return { ...p };
    return { type: p.type, data: Buffer.from(data.buffer, data.byteOffset, data.byteLength) };
  });
}

/** What a packet decodes back to: empty text data is dropped, like the reference. */
export function expectedAfterRoundTrip(p: EioPacket): EioPacket {
  if (p.data === undefined || p.data === '') return { type: p.type };
  return p;
}

/** Asserts `actual` is a well-formed packet (guards against half-decoded junk). */
export function assertWellFormed(p: EioPacket): void {
  assert.ok(['open', 'close', 'ping', 'pong', 'message', 'upgrade', 'noop'].includes(p.type));
  if ('data' in p) assert.ok(typeof p.data === 'string' ? p.data.length > 0 : p.data instanceof Uint8Array);
}

export const bytes = (...values: number[]): Buffer => Buffer.from(values);
