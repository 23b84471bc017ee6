import { LegacyDecodeError } from './errors.js';

const FRAME_MARK = '\ufffd';
const FRAME_MARK_CODE = 0xfffd;
// A body is capped far below 10^15 code units; more digits can only be junk.
const MAX_LENGTH_DIGITS = 15;

/**
 * Joins encoded packets into one polling body: a lone packet goes as is, more
 * are each framed as `U+FFFD length U+FFFD packet`, the length in UTF-16 code
 * units (JS string length) because that is what the 0.9 client counts.
 *
 * A lone packet that is empty or starts with U+FFFD is framed anyway: sent
 * bare it would decode as no packet or as a broken frame. Real packets start
 * with a type digit, so this never changes the bytes 0.9 would send.
 */
export function encodeLegacyPayload(packets: readonly string[]): string {
  const [only] = packets;
  if (packets.length === 1 && only !== undefined && only !== '' && only.charCodeAt(0) !== FRAME_MARK_CODE) return only;
  let body = '';
  for (const packet of packets) body += `${FRAME_MARK}${packet.length}${FRAME_MARK}${packet}`;
  return body;
}

/**
 * Splits a polling body into packet strings. As in 0.9, only the first
 * character decides whether the body is framed; unlike 0.9 the frames are
 * read strictly, so a bad length or trailing bytes are an error instead of
 * packets cut at the wrong place.
 */
export function decodeLegacyPayload(body: string): string[] {
  if (typeof body !== 'string') throw new LegacyDecodeError('invalid-payload', 'legacy payload is not a string');
  if (body === '') return [];
  if (body.charCodeAt(0) !== FRAME_MARK_CODE) return [body];

  const packets: string[] = [];
  let pos = 0;
  while (pos < body.length) {
    if (body.charCodeAt(pos) !== FRAME_MARK_CODE) {
      throw new LegacyDecodeError('invalid-frame', `expected U+FFFD at offset ${pos}`);
    }
    const digitsStart = pos + 1;
    let end = digitsStart;
    while (end < body.length && isDigit(body.charCodeAt(end))) end++;
    const digits = end - digitsStart;
    if (digits === 0) throw new LegacyDecodeError('invalid-length', `missing frame length at offset ${digitsStart}`);
    if (digits > MAX_LENGTH_DIGITS) throw new LegacyDecodeError('invalid-length', `frame length at offset ${digitsStart} is too long`);
    if (end === body.length) throw new LegacyDecodeError('missing-separator', 'frame length is not followed by U+FFFD');
    if (body.charCodeAt(end) !== FRAME_MARK_CODE) {
      throw new LegacyDecodeError('invalid-length', `non-digit in frame length at offset ${end}`);
    }
    const length = Number(body.slice(digitsStart, end));
    const start = end + 1;
    if (length > body.length - start) throw new LegacyDecodeError('length-mismatch', 'payload is shorter than its declared frame length');
    packets.push(body.slice(start, start + length));
    pos = start + length;
  }
  return packets;
}

function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}
