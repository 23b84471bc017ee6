import { isUtf8 } from 'node:buffer';
import { DecodeError } from '../errors.js';

/**
 * Strict UTF-8 → string for `buf[start, end)`. Buffer#toString would replace
 * invalid sequences with U+FFFD; the reference parser rejects them instead
 * (utf8.js throws on bad sequences), so we validate first. Unlike
 * TextDecoder, Buffer#toString keeps a leading BOM, which is payload data.
 */
export function decodeUtf8(buf: Buffer, start: number, end: number): string {
  if (!isUtf8(buf.subarray(start, end))) {
    throw new DecodeError('invalid-utf8', `invalid UTF-8 in bytes ${start}..${end}`);
  }
  return buf.toString('utf8', start, end);
}
