import { DecodeError } from '../errors.js';

// Buffer.from(s, 'base64') silently skips characters outside the alphabet and
// also accepts the URL-safe alphabet, so anything can "decode". We validate
// first so junk is reported instead of turning into arbitrary bytes. A sticky
// regex runs about twice as fast as a charCodeAt loop on large bodies.
const ALPHABET_RUN = /[A-Za-z0-9+/]*/y;

const EQUALS = 0x3d;

/** Base64 (standard alphabet, padded) of `bytes`, without copying them. */
export function encodeBase64(bytes: Uint8Array): string {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return buf.toString('base64');
}

/**
 * Decodes `s.slice(start)` as standard base64. Padding is optional (some
 * non-JS clients omit it) but, when present, must complete the last quantum.
 */
export function decodeBase64(s: string, start: number): Buffer {
  const total = s.length - start;
  let end = s.length;
  if (end > start && s.charCodeAt(end - 1) === EQUALS) {
    end--;
    if (end > start && s.charCodeAt(end - 1) === EQUALS) end--;
    if (total % 4 !== 0) throw new DecodeError('invalid-base64', 'base64 padding does not complete a 4-character group');
  }
  // A lone trailing character cannot encode a whole byte.
  if ((end - start) % 4 === 1) throw new DecodeError('invalid-base64', 'base64 length is impossible');
  ALPHABET_RUN.lastIndex = start;
  ALPHABET_RUN.test(s);
  if (ALPHABET_RUN.lastIndex < end) {
    throw new DecodeError('invalid-base64', `invalid base64 character at offset ${ALPHABET_RUN.lastIndex}`);
  }
  return Buffer.from(start === 0 ? s : s.slice(start), 'base64');
}
