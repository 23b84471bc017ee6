import { jsStringLiteral } from '../sio1/js-literal.js';

// ------------------------------------------------------------------ htmlfile

/**
 * The first chunk of an htmlfile stream: `<html><body>` padded with spaces to
 * 256 bytes, because IE renders (and runs scripts of) a streamed document only
 * once it has that much. Byte-for-byte what 0.6 sends.
 */
export const SIO06_HTMLFILE_PRELUDE: string = '<html><body>' + ' '.repeat(244);

/**
 * One htmlfile payload chunk: `<script>parent.s._("<payload>", document);</script>`.
 *
 * Deviation from 0.6, which used bare JSON.stringify: `<` is written as
 * `\u003c` (the JS parser turns it back into `<`), so no message can contain
 * `</script>` (0.6 let it end the script element early and break the stream)
 * or `<!--<script` (which puts the HTML parser into its double-escaped state,
 * where the closing `</script>` no longer ends the element). U+2028/U+2029
 * are escaped as well (line terminators in pre-ES2019 string literals).
 * Everything else, `/` and non-ASCII included, stays as 0.6 wrote it, so a
 * payload without those characters gives 0.6's exact bytes.
 */
export function sio06HtmlfileChunk(payload: string): string {
  if (typeof payload !== 'string') throw new TypeError('an htmlfile payload must be a string');
  const literal = jsStringLiteral(payload).replace(/</g, '\\u003c');
  return `<script>parent.s._(${literal}, document);</script>`;
}

// ------------------------------------------------------------ jsonp-polling

/**
 * The callback slot is spliced into JavaScript: anything but digits is
 * dropped, and so are leading zeros (0.6 copied the URL's digits verbatim, and
 * `io.JSONP[010]` is the legacy octal literal 8 in a sloppy-mode script).
 * Nothing left means slot 0.
 */
function jsonpIndex(index: string): string {
  return (
    String(index)
      .replace(/[^0-9]/g, '')
      .replace(/^0+/, '') || '0'
  );
}

/**
 * A jsonp-polling response: `io.JSONP[<index>]._("<payload>");`, the empty
 * poll `io.JSONP[0]._("");`. The literal is JSON.stringify of the payload
 * with U+2028/U+2029 escaped; the script is fetched by `<script src>`, not
 * parsed as inline HTML, so `<` needs no escaping here.
 */
export function sio06JsonpPoll(index: string, payload: string): string {
  if (typeof payload !== 'string') throw new TypeError('a jsonp payload must be a string');
  return `io.JSONP[${jsonpIndex(index)}]._(${jsStringLiteral(payload)});`;
}

// ------------------------------------------------------------ xhr-multipart

export const SIO06_MULTIPART_BOUNDARY = 'socketio';
export const SIO06_MULTIPART_CONTENT_TYPE = `multipart/x-mixed-replace;boundary="${SIO06_MULTIPART_BOUNDARY}"`;
/** The first bytes of an xhr-multipart body, before any part. */
export const SIO06_MULTIPART_PRELUDE = `--${SIO06_MULTIPART_BOUNDARY}\n`;

/**
 * One part of an xhr-multipart stream, LF line ends only (as 0.6):
 * `Content-Type: text/plain\n\n<payload>\n--socketio\n`. There is no escaping
 * in this format: a payload holding `\n--socketio` splits the part in the
 * browser, exactly as it did with 0.6.
 */
export function sio06MultipartPart(payload: string): string {
  if (typeof payload !== 'string') throw new TypeError('a multipart payload must be a string');
  return `Content-Type: text/plain\n\n${payload}\n${SIO06_MULTIPART_PRELUDE}`;
}
