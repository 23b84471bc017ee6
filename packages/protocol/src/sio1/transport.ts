import { LegacyDecodeError } from './errors.js';
import { jsStringLiteral } from './js-literal.js';

/**
 * The handshake response body, `sid:heartbeatTimeout:closeTimeout:transports`.
 * Always numbers for the timeouts: the 0.9.16 client turns an empty heartbeat
 * timeout into a zero-delay timer.
 */
export function legacyHandshakeBody(sid: string, heartbeatTimeoutSec: number, closeTimeoutSec: number, transports: readonly string[]): string {
  if (typeof sid !== 'string' || sid === '' || /[:/]/.test(sid)) throw new TypeError('a sid must be a non-empty string without ":" or "/"');
  for (const t of [heartbeatTimeoutSec, closeTimeoutSec]) {
    if (typeof t !== 'number' || !Number.isFinite(t) || t < 0) throw new TypeError(`a timeout must be a finite number of seconds >= 0 (got ${String(t)})`);
  }
  for (const t of transports) {
    if (typeof t !== 'string' || t === '' || /[:,]/.test(t)) throw new TypeError(`bad transport name ${JSON.stringify(t)}`);
  }
  return `${sid}:${heartbeatTimeoutSec}:${closeTimeoutSec}:${transports.join(',')}`;
}

/** The callback slot is spliced into JavaScript, so anything but digits is dropped. */
function jsonpIndex(index: string): string {
  return String(index).replace(/[^0-9]/g, '') || '0';
}

/** A jsonp-polling response (and the JSONP handshake): `io.j[i]("...");`. */
export function legacyJsonp(index: string, text: string): string {
  return `io.j[${jsonpIndex(index)}](${jsStringLiteral(text)});`;
}

/** A failed JSONP handshake: the client's callback receives an Error, not a string. */
export function legacyJsonpError(index: string, message: string): string {
  return `io.j[${jsonpIndex(index)}](new Error(${jsStringLiteral(message)}));`;
}

/**
 * The first htmlfile chunk: defines `_` for the payload chunks, padded to 256
 * bytes because IE does not start running scripts of a streamed document
 * before it has that much.
 */
export const HTMLFILE_PRELUDE: string = '<html><body><script>var _ = function (msg) { parent.s._(msg, document); };</script>' + ' '.repeat(173);

/**
 * One htmlfile payload chunk. `/` is escaped so `</script>` cannot occur
 * inside the literal; `<` is escaped as well (a deviation from 0.9 that the JS
 * parser undoes) because a payload holding `<!--<script` would otherwise put
 * the HTML parser into its double-escaped state, where the closing
 * `</script>` no longer ends the element and the stream breaks.
 */
export function htmlfileChunk(payload: string): string {
  const literal = jsStringLiteral(payload).replace(/\//g, '\\/').replace(/</g, '\\u003c');
  return `<script>_(${literal});</script>`;
}

/**
 * The payload of a jsonp-polling POST: a urlencoded form whose `d` field is
 * the JSON string of the payload (the client JSON-encodes because browsers
 * rewrite `\n` to `\r\n` in form fields).
 */
export function decodeJsonpForm(body: string): string {
  if (typeof body !== 'string') throw new LegacyDecodeError('invalid-form', 'form body is not a string');
  let d: string | undefined;
  for (const field of body.split('&')) {
    const eq = field.indexOf('=');
    const rawKey = eq === -1 ? field : field.slice(0, eq);
    if (formDecode(rawKey) !== 'd') continue;
    if (d !== undefined) throw new LegacyDecodeError('invalid-form', 'more than one "d" field');
    const value = formDecode(eq === -1 ? '' : field.slice(eq + 1));
    if (value === undefined) throw new LegacyDecodeError('invalid-form', 'bad percent-encoding in the "d" field');
    d = value;
  }
  if (d === undefined) throw new LegacyDecodeError('missing-field', 'form body has no "d" field');
  let payload: unknown;
  try {
    payload = JSON.parse(d) as unknown;
  } catch {
    throw new LegacyDecodeError('invalid-json', 'the "d" field is not JSON');
  }
  if (typeof payload !== 'string') throw new LegacyDecodeError('invalid-form', 'the "d" field is not a JSON string');
  return payload;
}

/** application/x-www-form-urlencoded: '+' is a space, then percent-decoding. */
function formDecode(s: string): string | undefined {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}
