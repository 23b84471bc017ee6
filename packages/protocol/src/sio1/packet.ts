import { LegacyDecodeError } from './errors.js';
import {
  LEGACY_ERROR_ADVICE,
  LEGACY_ERROR_REASONS,
  LEGACY_PACKET_TYPES,
  MAX_ID_DIGITS,
  type LegacyErrorAdvice,
  type LegacyErrorReason,
  type LegacyPacket,
} from './types.js';

// ---------------------------------------------------------------- encoding

/**
 * Encodes a packet the way 0.9.19 does: `type:id[+]:endpoint[:data]`, with the
 * data field left out when there is no data. Impossible input (an endpoint
 * with ':', a fractional id, data JSON cannot express) is a bug in the caller,
 * so it is a TypeError rather than a silently different packet.
 */
export function encodeLegacyPacket(p: LegacyPacket): string {
  const endpoint = checkEndpoint(p.endpoint);
  switch (p.type) {
    case 'disconnect':
      return join(0, '', endpoint);
    case 'connect': {
      if (p.query !== undefined && typeof p.query !== 'string') throw new TypeError('a connect query must be a string');
      return join(1, '', endpoint, p.query === '' ? undefined : p.query);
    }
    case 'heartbeat':
      return join(2, '', endpoint);
    case 'message': {
      if (typeof p.data !== 'string') throw new TypeError('message data must be a string');
      // 0.9 writes an empty message as `3::`; its decoder reads that back as ''.
      return join(3, idField(p.id, p.dataAck), endpoint, p.data === '' ? undefined : p.data);
    }
    case 'json':
      return join(4, idField(p.id, p.dataAck), endpoint, toJson(p.data));
    case 'event': {
      if (typeof p.name !== 'string') throw new TypeError('an event name must be a string');
      checkArgs(p.args);
      // Key order name, args, and no args key at all when there are none: byte-for-byte 0.9.
      const body = p.args.length > 0 ? { name: p.name, args: p.args } : { name: p.name };
      return join(5, idField(p.id, p.dataAck), endpoint, toJson(body));
    }
    case 'ack': {
      checkId(p.ackId, 'ackId');
      checkArgs(p.args);
      // The acked id lives in the data field; the id field stays empty.
      const data = p.args.length > 0 ? `${p.ackId}+${toJson(p.args)}` : String(p.ackId);
      return join(6, '', endpoint, data);
    }
    case 'error':
      return join(7, '', endpoint, errorData(p.reason, p.advice));
    case 'noop':
      return join(8, '', endpoint);
    default: {
      const type: unknown = (p as { type?: unknown }).type;
      throw new TypeError(`unknown legacy packet type ${String(type)}`);
    }
  }
}

function join(digit: number, id: string, endpoint: string, data?: string): string {
  const head = `${digit}:${id}:${endpoint}`;
  return data === undefined ? head : `${head}:${data}`;
}

function checkEndpoint(endpoint: unknown): string {
  if (typeof endpoint !== 'string') throw new TypeError('an endpoint must be a string');
  if (endpoint.includes(':')) throw new TypeError(`an endpoint must not contain ":" (got ${JSON.stringify(endpoint)})`);
  return endpoint;
}

function checkId(id: unknown, what: string): asserts id is number {
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 0 || String(id).length > MAX_ID_DIGITS) {
    throw new TypeError(`${what} must be an integer from 0 to ${'9'.repeat(MAX_ID_DIGITS)} (got ${String(id)})`);
  }
}

function idField(id: number | undefined, dataAck: boolean | undefined): string {
  if (id === undefined) {
    if (dataAck === true) throw new TypeError('dataAck needs an id');
    return '';
  }
  checkId(id, 'id');
  return dataAck === true ? `${id}+` : String(id);
}

function checkArgs(args: unknown): void {
  if (!Array.isArray(args)) throw new TypeError('args must be an array');
}

function toJson(value: unknown): string {
  // JSON.stringify already throws TypeError for BigInt and cycles.
  const json: unknown = JSON.stringify(value);
  if (typeof json !== 'string') throw new TypeError('packet data does not serialise to JSON');
  return json;
}

function errorData(reason: string, advice: string): string | undefined {
  const r = reason === '' ? -1 : LEGACY_ERROR_REASONS.indexOf(reason as LegacyErrorReason);
  const a = advice === '' ? -1 : LEGACY_ERROR_ADVICE.indexOf(advice as LegacyErrorAdvice);
  if (r === -1 && reason !== '') throw new TypeError(`unknown error reason ${JSON.stringify(reason)}`);
  if (a === -1 && advice !== '') throw new TypeError(`unknown error advice ${JSON.stringify(advice)}`);
  if (r === -1 && a === -1) return undefined;
  return (r === -1 ? '' : String(r)) + (a === -1 ? '' : `+${a}`);
}

// ---------------------------------------------------------------- decoding

const ID_FIELD = /^(?:([0-9]+)(\+)?)?$/;
// [\s\S] rather than 0.9's '.', which stops at U+2028/U+2029 and silently drops the args.
const ACK_DATA = /^([0-9]+)(\+)?([\s\S]*)$/;

function fail(reason: string, message: string): never {
  throw new LegacyDecodeError(reason, message);
}

/**
 * Decodes one packet. Accepts everything 0.9 encoders produce and what 0.9's
 * decoder regex reads the same way, but refuses what it would have quietly
 * mangled (unknown types, non-JSON json/event data, ids on types without
 * them), so the caller sees either a faithful packet or a LegacyDecodeError.
 */
export function decodeLegacyPacket(s: string): LegacyPacket {
  if (typeof s !== 'string') fail('invalid-packet', 'legacy packet is not a string');
  if (s.length === 0) fail('empty-packet', 'empty legacy packet');

  const typeEnd = s.indexOf(':');
  const typeField = typeEnd === -1 ? s : s.slice(0, typeEnd);
  const code = typeField.length === 1 ? typeField.charCodeAt(0) - 0x30 : -1;
  const type = LEGACY_PACKET_TYPES[code];
  if (type === undefined) fail('unknown-type', `unknown legacy packet type ${JSON.stringify(typeField.slice(0, 16))}`);

  const idEnd = typeEnd === -1 ? -1 : s.indexOf(':', typeEnd + 1);
  if (idEnd === -1) fail('missing-separator', 'a legacy packet needs at least two ":"');
  const rawId = s.slice(typeEnd + 1, idEnd);
  const endpointEnd = s.indexOf(':', idEnd + 1);
  const endpoint = endpointEnd === -1 ? s.slice(idEnd + 1) : s.slice(idEnd + 1, endpointEnd);
  const data = endpointEnd === -1 ? undefined : s.slice(endpointEnd + 1);

  const idMatch = ID_FIELD.exec(rawId);
  if (idMatch === null) fail('invalid-id', `bad id field ${JSON.stringify(rawId.slice(0, 20))}`);
  const digits = idMatch[1];
  if (digits !== undefined && digits.length > MAX_ID_DIGITS) fail('invalid-id', `id longer than ${MAX_ID_DIGITS} digits`);
  const ack = digits === undefined ? {} : idMatch[2] === '+' ? { id: Number(digits), dataAck: true } : { id: Number(digits) };

  switch (type) {
    case 'message':
      return { type, endpoint, ...ack, data: data ?? '' };
    case 'json':
      return { type, endpoint, ...ack, data: parseJson(data, 'json') };
    case 'event': {
      const { name, args } = parseEvent(data);
      return { type, endpoint, ...ack, name, args };
    }
    default:
      break;
  }

  if (rawId !== '') fail('unexpected-id', `a ${type} packet has no id field`);
  switch (type) {
    case 'connect':
      return data === undefined || data === '' ? { type, endpoint } : { type, endpoint, query: data };
    case 'ack':
      return { type, endpoint, ...parseAck(data) };
    case 'error':
      return { type, endpoint, ...parseError(data) };
    default:
      if (data !== undefined && data !== '') fail('unexpected-data', `a ${type} packet carries no data`);
      return { type, endpoint };
  }
}

function parseJson(data: string | undefined, what: string): unknown {
  if (data === undefined || data === '') return fail('invalid-json', `${what} packet without data`);
  try {
    return JSON.parse(data) as unknown;
  } catch {
    return fail('invalid-json', `${what} packet data is not JSON`);
  }
}

function parseEvent(data: string | undefined): { name: string; args: unknown[] } {
  const ev = parseJson(data, 'event');
  if (typeof ev !== 'object' || ev === null || Array.isArray(ev)) return fail('invalid-event', 'event data is not a JSON object');
  const { name, args } = ev as { name?: unknown; args?: unknown };
  if (typeof name !== 'string') return fail('invalid-event', 'event name is not a string');
  if (args !== undefined && !Array.isArray(args)) return fail('invalid-event', 'event args is not an array');
  return { name, args: (args as unknown[] | undefined) ?? [] };
}

function parseAck(data: string | undefined): { ackId: number; args: unknown[] } {
  const m = ACK_DATA.exec(data ?? '');
  const digits = m?.[1];
  if (m === null || digits === undefined) return fail('invalid-ack', 'ack data does not start with the acked id');
  if (digits.length > MAX_ID_DIGITS) return fail('invalid-ack', `acked id longer than ${MAX_ID_DIGITS} digits`);
  const rest = m[3] ?? '';
  if (m[2] !== '+') {
    if (rest !== '') fail('invalid-ack', 'ack arguments need a "+" after the id');
    return { ackId: Number(digits), args: [] };
  }
  const args = parseJson(rest, 'ack');
  if (!Array.isArray(args)) return fail('invalid-ack', 'ack arguments are not a JSON array');
  return { ackId: Number(digits), args: args as unknown[] };
}

/** Unknown indices become '' like in 0.9: an error packet should never be lost to a typo. */
function parseError(data: string | undefined): { reason: LegacyErrorReason | ''; advice: LegacyErrorAdvice | '' } {
  const text = data ?? '';
  const plus = text.indexOf('+');
  const r = plus === -1 ? text : text.slice(0, plus);
  const a = plus === -1 ? '' : text.slice(plus + 1);
  return { reason: byIndex(LEGACY_ERROR_REASONS, r) ?? '', advice: byIndex(LEGACY_ERROR_ADVICE, a) ?? '' };
}

function byIndex<T>(list: readonly T[], index: string): T | undefined {
  // Only canonical digits: '01' or ' 1' are not indices, and no prototype lookups.
  return /^(?:0|[1-9][0-9]?)$/.test(index) ? list[Number(index)] : undefined;
}
