import { Sio06DecodeError } from './errors.js';
import type { Sio06Message } from './types.js';

const HEARTBEAT = '~h~';
const JSON_MARK = '~j~';
const DIGITS = /^[0-9]+$/;

/**
 * The text of one message (frame it with encodeSio06Frame). Text goes as is:
 * 0.6 has no escaping, so a text that itself starts with `~j~` or `~h~` is
 * read back by every peer (this decoder included) as JSON / a heartbeat.
 * Impossible input (a non-digit heartbeat counter, data JSON cannot express)
 * is a bug in the caller, hence a TypeError.
 */
export function encodeSio06Message(m: Sio06Message): string {
  switch (m.kind) {
    case 'text':
      if (typeof m.data !== 'string') throw new TypeError('text message data must be a string');
      return m.data;
    case 'json':
      return JSON_MARK + toJson(m.data);
    case 'heartbeat':
      if (typeof m.n !== 'string' || !DIGITS.test(m.n)) throw new TypeError(`a heartbeat counter must be decimal digits (got ${String(m.n)})`);
      return HEARTBEAT + m.n;
    default: {
      const kind: unknown = (m as { kind?: unknown }).kind;
      throw new TypeError(`unknown 0.6 message kind ${String(kind)}`);
    }
  }
}

/**
 * Reads one (already unframed) message by its prefix. Stricter than 0.6: its
 * server turned bad JSON into `{}` and took anything after `~h~` as the
 * counter; here both are a Sio06DecodeError.
 */
export function decodeSio06Message(s: string): Sio06Message {
  if (typeof s !== 'string') throw new Sio06DecodeError('invalid-message', '0.6 message is not a string');
  if (s.startsWith(HEARTBEAT)) {
    const n = s.slice(HEARTBEAT.length);
    if (!DIGITS.test(n)) throw new Sio06DecodeError('invalid-heartbeat', `heartbeat counter is not decimal digits: ${JSON.stringify(n.slice(0, 20))}`);
    return { kind: 'heartbeat', n };
  }
  if (s.startsWith(JSON_MARK)) {
    let data: unknown;
    try {
      data = JSON.parse(s.slice(JSON_MARK.length)) as unknown;
    } catch {
      throw new Sio06DecodeError('invalid-json', '"~j~" message is not JSON');
    }
    return { kind: 'json', data };
  }
  return { kind: 'text', data: s };
}

/**
 * What 0.6's `send(value)` put on the wire for one value (both the server's
 * and the client's `stringify`): a plain object, i.e. anything whose
 * `Object.prototype.toString` is `[object Object]`, becomes `~j~` + JSON;
 * null and undefined the empty message; everything else `String(value)`,
 * so an array `[1, 2]` is the text `1,2` and a number its decimal text.
 * Objects JSON cannot express (cycles, BigInt, a toJSON giving undefined)
 * are a TypeError.
 */
export function sio06TextOf(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (Object.prototype.toString.call(value) === '[object Object]') return JSON_MARK + toJson(value);
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- 0.6 sends anything else as its string form, as `'' + value` did
  return String(value);
}

function toJson(value: unknown): string {
  // JSON.stringify already throws TypeError for BigInt and cycles.
  const json: unknown = JSON.stringify(value);
  if (typeof json !== 'string') throw new TypeError('0.6 JSON message data does not serialise to JSON');
  return json;
}
