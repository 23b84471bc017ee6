import type { BusEntry, BusInput } from '../bus/Bus.js';

/**
 * Bus entries of the Socket.IO layer. Every field is a string (rooms as JSON
 * arrays, '' when empty) so the entry is encoded once by its publisher and
 * read as is by every worker; binary attachments travel as binary fields.
 */
export interface BroadcastEntry {
  nsp: string;
  rooms: string[];
  except: string[];
  volatile: boolean;
  /** `<type>[<n>-][<nsp>,]` of the encoded packet: what comes before an ack id. */
  head: string;
  /** The encoded data array. */
  body: string;
  binary: Uint8Array[];
  /** Where recipients' acks go, for a broadcast with acks. */
  reply: AckTarget | null;
}

/** The worker awaiting acks and its request id; on the bus `<worker> <id>` (ids never contain a space). */
export interface AckTarget {
  worker: string;
  id: string;
}

export interface RoomOp {
  nsp: string;
  rooms: string[];
  except: string[];
  op: 'join' | 'leave' | 'disconnect' | 'close';
  args: string[];
}

export interface ServerSideEntry {
  nsp: string;
  args: unknown[];
  /** Where the answers go when the emitter waits for acks. */
  reply: AckTarget | null;
  from: string;
}

/** Which sockets a broadcast is for. */
export interface BroadcastSelection {
  /** Sockets in any of these (all sockets of the namespace when empty). */
  rooms: Iterable<string>;
  /** Minus the sockets in any of these. */
  except: Iterable<string>;
  volatile: boolean;
}

/** Event names `serverSideEmit` refuses (socket.io's): the namespace emits them itself. */
export const RESERVED_SERVER_SIDE_EVENTS: ReadonlySet<string> = new Set(['connect', 'connection', 'new_namespace']);

export const KIND_BROADCAST = 'b';
export const KIND_OP = 'o';
export const KIND_SERVER_SIDE = 's';

/**
 * The broadcast entry of a packet already encoded (`encodeSioPacket`): its
 * text frame split into the head (`<type>[<n>-][<nsp>,]`, what comes before
 * an ack id) and the data, so that each recipient can get an ack id or an
 * offset spliced in without re-encoding.
 */
export function broadcastEntry(nsp: string, frames: [string, ...Uint8Array[]], to: BroadcastSelection, reply: AckTarget | null): BroadcastEntry {
  const [text, ...binary] = frames;
  const headLen = 1 + (binary.length > 0 ? String(binary.length).length + 1 : 0) + (nsp === '/' ? 0 : nsp.length + 1);
  return {
    nsp,
    rooms: [...to.rooms],
    except: [...to.except],
    volatile: to.volatile,
    head: text.slice(0, headLen),
    body: text.slice(headLen),
    binary,
    reply,
  };
}

export function encodeBroadcast(e: BroadcastEntry): BusInput {
  return { kind: KIND_BROADCAST, fields: [e.nsp, rooms(e.rooms), rooms(e.except), e.volatile ? 'v' : '', e.head, e.body, target(e.reply)], binary: e.binary };
}

export function decodeBroadcast(b: BusEntry): BroadcastEntry | null {
  const f = b.fields;
  if (f.length !== 7) return null;
  const r = parseRooms(f[1]!);
  const x = parseRooms(f[2]!);
  const reply = parseTarget(f[6]!);
  if (!r || !x || reply === undefined) return null;
  return { nsp: f[0]!, rooms: r, except: x, volatile: f[3] === 'v', head: f[4]!, body: f[5]!, binary: b.binary, reply };
}

const OPS = new Set(['join', 'leave', 'disconnect', 'close']);

export function encodeOp(e: RoomOp): BusInput {
  return { kind: KIND_OP, fields: [e.nsp, rooms(e.rooms), rooms(e.except), e.op, JSON.stringify(e.args)], binary: [] };
}

export function decodeOp(b: BusEntry): RoomOp | null {
  const f = b.fields;
  if (f.length !== 5 || !OPS.has(f[3]!)) return null;
  const r = parseRooms(f[1]!);
  const x = parseRooms(f[2]!);
  const a = parseRooms(f[4]!);
  if (!r || !x || !a) return null;
  return { nsp: f[0]!, rooms: r, except: x, op: f[3] as RoomOp['op'], args: a };
}

export function encodeServerSide(e: ServerSideEntry): BusInput {
  return { kind: KIND_SERVER_SIDE, fields: [e.nsp, JSON.stringify(e.args), target(e.reply), e.from], binary: [] };
}

export function decodeServerSide(b: BusEntry): ServerSideEntry | null {
  const f = b.fields;
  const reply = f.length === 4 ? parseTarget(f[2]!) : undefined;
  if (reply === undefined) return null;
  try {
    const args = JSON.parse(f[1]!) as unknown;
    if (!Array.isArray(args) || typeof args[0] !== 'string') return null;
    return { nsp: f[0]!, args, reply, from: f[3]! };
  } catch {
    return null;
  }
}

function target(t: AckTarget | null): string {
  return t ? `${t.worker} ${t.id}` : '';
}

/** Undefined when malformed. The worker id is everything before the last space. */
function parseTarget(s: string): AckTarget | null | undefined {
  if (s === '') return null;
  const sp = s.lastIndexOf(' ');
  return sp > 0 && sp < s.length - 1 ? { worker: s.slice(0, sp), id: s.slice(sp + 1) } : undefined;
}

function rooms(list: string[]): string {
  return list.length === 0 ? '' : JSON.stringify(list);
}

function parseRooms(s: string): string[] | null {
  if (s === '') return [];
  try {
    const v = JSON.parse(s) as unknown;
    return Array.isArray(v) && v.every((x) => typeof x === 'string') ? v : null;
  } catch {
    return null;
  }
}
