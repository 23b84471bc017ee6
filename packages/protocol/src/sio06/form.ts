import { Sio06DecodeError } from './errors.js';

const FIELD = 'data';

/**
 * The payload of a 0.6 POST: an application/x-www-form-urlencoded body whose
 * `data` field is the `~m~` payload. Both encodings the 0.6 client produces
 * read the same: XHR's `'data=' + encodeURIComponent(payload)` (`~` literal,
 * `%20`) and the jsonp form's browser encoding (`%7E`, `+` for space).
 *
 * The first `data` field wins (0.6's querystring.parse would have made an
 * array of repeated fields, which its decoder then choked on). Stricter than
 * querystring.parse, which leaves broken escapes as they are: bad
 * percent-encoding in a field name or in the `data` value, including UTF-8
 * that is invalid or encodes a surrogate, is a Sio06DecodeError, as is a body
 * without a `data` field. A `data` field without `=` is the empty payload.
 */
export function decodeSio06Form(body: string): string {
  if (typeof body !== 'string') throw new Sio06DecodeError('invalid-form', 'form body is not a string');
  for (const field of body.split('&')) {
    if (field === '') continue;
    const eq = field.indexOf('=');
    const key = formDecode(eq === -1 ? field : field.slice(0, eq));
    if (key === undefined) throw new Sio06DecodeError('invalid-form', 'bad percent-encoding in a form field name');
    if (key !== FIELD) continue;
    const value = formDecode(eq === -1 ? '' : field.slice(eq + 1));
    if (value === undefined) throw new Sio06DecodeError('invalid-form', 'bad percent-encoding in the "data" field');
    return value;
  }
  throw new Sio06DecodeError('missing-field', 'form body has no "data" field');
}

/** application/x-www-form-urlencoded: '+' is a space, then percent-decoding as UTF-8. */
function formDecode(s: string): string | undefined {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}
