import type { WorkerMessage } from './Store.js';

/**
 * Wire form of worker messages: fields joined by `|`, the last field may
 * contain anything. Session ids, worker ids, poll ids and close reasons never
 * contain `|`. Kept this small because the Redis store's Lua scripts build the
 * same strings with plain concatenation.
 */
const SEP = '|';

export function encodeWorkerMessage(m: WorkerMessage): string {
  switch (m.t) {
    case 'wake':
      return `w|${m.sid}|${m.pollId}`;
    case 'inbox':
      return `i|${m.sid}`;
    case 'handover':
      return `h|${m.sid}|${m.owner}`;
    case 'closed':
      return `c|${m.sid}|${m.reason}`;
    case 'req':
      return `q|${m.id}|${m.from}|${m.body}`;
    case 'res':
      return `r|${m.id}|${m.body}`;
    case 'resync':
      return 'y|';
  }
}

/** Returns null for anything malformed: a bad message must never crash a worker. */
export function decodeWorkerMessage(s: string): WorkerMessage | null {
  const a = s.indexOf(SEP);
  if (a !== 1) return null;
  const kind = s[0];
  const b = s.indexOf(SEP, 2);
  const f1 = b === -1 ? s.slice(2) : s.slice(2, b);
  switch (kind) {
    case 'i':
      return b === -1 ? { t: 'inbox', sid: f1 } : null;
    case 'w':
      return b === -1 ? null : { t: 'wake', sid: f1, pollId: s.slice(b + 1) };
    case 'h':
      return b === -1 ? null : { t: 'handover', sid: f1, owner: s.slice(b + 1) };
    case 'c':
      return b === -1 ? null : { t: 'closed', sid: f1, reason: s.slice(b + 1) };
    case 'r':
      return b === -1 ? null : { t: 'res', id: f1, body: s.slice(b + 1) };
    case 'y':
      return { t: 'resync' };
    case 'q': {
      if (b === -1) return null;
      const c = s.indexOf(SEP, b + 1);
      if (c === -1) return null;
      return { t: 'req', id: f1, from: s.slice(b + 1, c), body: s.slice(c + 1) };
    }
    default:
      return null;
  }
}
