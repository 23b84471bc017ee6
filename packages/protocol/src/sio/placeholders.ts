// Binary attachments on the decoding side: a BINARY_* packet's JSON holds
// {"_placeholder":true,"num":N} where the N-th binary frame goes.

import { SioDecodeError } from '../errors.js';
import type { SioRevision } from './types.js';

/** Where one placeholder sits, so filling it needs no second walk. */
export interface PlaceholderSlot {
  container: Record<string, unknown> | unknown[];
  key: string | number;
  num: number;
}

/**
 * Finds every placeholder in `data` and checks its number against the
 * announced attachment count now, instead of when the last frame arrives as
 * the reference does, so a bad packet is rejected before its frames are
 * buffered. Like the reference, any object whose `_placeholder` is true is a
 * placeholder (extra keys ignored); unlike it, a non-integer `num` is an error
 * rather than a silent undefined. Attachments no placeholder names are
 * allowed, as in the reference. The walk is iterative: JSON.parse accepts
 * nesting deeper than the call stack.
 */
export function findPlaceholders(data: unknown, attachments: number, revision: SioRevision): PlaceholderSlot[] {
  const slots: PlaceholderSlot[] = [];
  if (typeof data !== 'object' || data === null) return slots;
  const stack: object[] = [data];
  const visit = (container: PlaceholderSlot['container'], key: string | number, value: unknown): void => {
    if (typeof value !== 'object' || value === null) return;
    if ((value as { _placeholder?: unknown })._placeholder !== true) {
      stack.push(value);
      return;
    }
    const num = (value as { num?: unknown }).num;
    if (typeof num !== 'number' || !Number.isInteger(num) || num < 0 || num >= attachments) {
      throw new SioDecodeError(
        revision,
        'invalid-placeholder',
        `placeholder num ${JSON.stringify(num) ?? 'undefined'} does not name one of ${attachments} attachments`,
      );
    }
    slots.push({ container, key, num });
  };
  for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) visit(node, i, node[i]);
    } else {
      const record = node as Record<string, unknown>;
      for (const key in record) {
        if (Object.prototype.hasOwnProperty.call(record, key)) visit(record, key, record[key]);
      }
    }
  }
  return slots;
}

/** Puts the binary frames where their placeholders were. */
export function fillPlaceholders(slots: readonly PlaceholderSlot[], buffers: readonly Uint8Array[]): void {
  for (const { container, key, num } of slots) {
    // JSON.parse makes "__proto__" an own property; assigning to it would
    // set the object's prototype to the Buffer instead.
    if (key === '__proto__') {
      Object.defineProperty(container, key, { value: buffers[num], enumerable: true, writable: true, configurable: true });
    } else {
      (container as Record<string | number, unknown>)[key] = buffers[num];
    }
  }
}
