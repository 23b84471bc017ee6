import { Sio06DecodeError } from './errors.js';

const FRAME = '~m~';
/**
 * More length digits than this can only be junk: 10 digits already exceed the
 * longest string V8 can hold, and Number() stays exact far beyond that. The
 * count includes leading zeros.
 */
const MAX_LENGTH_DIGITS = 10;

/**
 * Frames one message: `~m~` + its length in UTF-16 code units (JS
 * `String.length`, what both 0.6 peers count; an astral character counts 2)
 * + `~m~` + the message. The empty message is `~m~0~m~`.
 */
export function encodeSio06Frame(message: string): string {
  if (typeof message !== 'string') throw new TypeError('a 0.6 message must be a string');
  return `${FRAME}${message.length}${FRAME}${message}`;
}

/** Several messages in one body / script call / part / WebSocket frame: the frames back to back. */
export function encodeSio06Payload(messages: readonly string[]): string {
  // Checked as an unknown: JavaScript callers can pass anything, and the loop must keep the declared type.
  const given: unknown = messages;
  if (!Array.isArray(given)) throw new TypeError('a 0.6 payload is an array of messages');
  let body = '';
  for (const message of messages) body += encodeSio06Frame(message);
  return body;
}

/**
 * Splits a payload into its messages. The empty payload (an idle poll) is no
 * message. Unlike 0.6's lenient reader, which dropped what followed a broken
 * frame and let an overrunning length take the rest, this one is strict:
 * every frame must be exactly `~m~` digits `~m~` and that many code units,
 * and nothing may follow the last frame. Leading zeros in a length are
 * accepted (0.6 reads the digits with Number(), so `~m~03~m~abc` is `abc`
 * there too); signs, spaces and other non-digits are not. `~m~` inside a
 * message is data: only the lengths decide where frames end.
 */
export function decodeSio06Payload(body: string): string[] {
  if (typeof body !== 'string') throw new Sio06DecodeError('invalid-payload', '0.6 payload is not a string');
  const messages: string[] = [];
  let pos = 0;
  while (pos < body.length) {
    if (!body.startsWith(FRAME, pos)) {
      throw new Sio06DecodeError('invalid-frame', pos === 0 ? 'payload does not start with "~m~"' : `expected "~m~" at offset ${pos}`);
    }
    const digitsStart = pos + FRAME.length;
    let end = digitsStart;
    while (end < body.length && isDigit(body.charCodeAt(end))) end++;
    const digits = end - digitsStart;
    if (digits === 0) throw new Sio06DecodeError('invalid-length', `missing frame length at offset ${digitsStart}`);
    if (digits > MAX_LENGTH_DIGITS)
      throw new Sio06DecodeError('invalid-length', `frame length at offset ${digitsStart} has more than ${MAX_LENGTH_DIGITS} digits`);
    if (!body.startsWith(FRAME, end)) {
      if (end < body.length && body.charCodeAt(end) !== 0x7e) {
        throw new Sio06DecodeError('invalid-length', `non-digit in frame length at offset ${end}`);
      }
      throw new Sio06DecodeError('missing-separator', `frame length at offset ${digitsStart} is not followed by "~m~"`);
    }
    const length = Number(body.slice(digitsStart, end));
    const start = end + FRAME.length;
    if (length > body.length - start) throw new Sio06DecodeError('length-mismatch', 'payload is shorter than its declared frame length');
    messages.push(body.slice(start, start + length));
    pos = start + length;
  }
  return messages;
}

function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

/**
 * What 0.6's own reader made of a payload, for peers that rely on it: the
 * messages up to the first broken frame (what follows it is dropped), an
 * overrunning length taking the rest of the body, plus the strict
 * decoder's complaint (null when the payload is well formed) so the caller
 * can count it. Never throws.
 */
export function decodeSio06PayloadLenient(body: string): { messages: string[]; error: Sio06DecodeError | null } {
  try {
    return { messages: decodeSio06Payload(body), error: null };
  } catch (err) {
    const error = err instanceof Sio06DecodeError ? err : new Sio06DecodeError('invalid-payload', String(err));
    const messages: string[] = [];
    let pos = 0;
    while (typeof body === 'string' && body.startsWith(FRAME, pos)) {
      const digitsStart = pos + FRAME.length;
      let end = digitsStart;
      while (end < body.length && isDigit(body.charCodeAt(end))) end++;
      if (end === digitsStart || end - digitsStart > MAX_LENGTH_DIGITS || !body.startsWith(FRAME, end)) break;
      const start = end + FRAME.length;
      const length = Number(body.slice(digitsStart, end));
      messages.push(body.slice(start, start + length));
      pos = start + length;
    }
    return { messages, error };
  }
}
