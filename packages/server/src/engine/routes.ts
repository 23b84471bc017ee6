/**
 * Which protocol a request under the engine's path speaks. Engine.IO asks
 * at the path itself (`/socket.io/?EIO=4...`); Socket.IO protocol 1 puts
 * its revision, transport and session in the path
 * (`/socket.io/1/xhr-polling/<sid>`), matched the way 0.9 matched it; 0.6
 * starts with the transport (`/socket.io/xhr-polling/<sid>/<ts>`). The
 * three never overlap: a revision is digits, a 0.6 path starts with a
 * transport name, Engine.IO has nothing after the path.
 */
export type Route =
  | { kind: 'eio' }
  /** Under the path but none of ours (0.6 and engine.io left such requests to the application: 404). */
  | { kind: 'none' }
  /** `/<n>/[<transport>/[<sid>]]`; empty strings for parts not given. */
  | { kind: 'legacy'; revision: string; transport: string; sid: string }
  /** Socket.IO 0.6: `/<transport>[/<sid>[/<more>...]]`; sid '' asks for a new session. */
  | { kind: 'sio06'; transport: string; sid: string; rest: string[] };

/** Transport names of Socket.IO 0.6, the first path segment of its URLs. */
export const SIO06_TRANSPORTS: ReadonlySet<string> = new Set(['websocket', 'flashsocket', 'htmlfile', 'xhr-multipart', 'xhr-polling', 'jsonp-polling']);

const LEGACY = /^\/([^/]+)\/?([^/]+)?\/?([^/]+)?\/?$/;

export function routeOf(base: string, path: string): Route {
  if (!path.startsWith(base)) return { kind: 'eio' };
  const rest = path.slice(base.length);
  if (rest === '' || rest === '/') return { kind: 'eio' };
  const parts = rest.slice(1).split('/');
  if (SIO06_TRANSPORTS.has(parts[0]!)) return { kind: 'sio06', transport: parts[0]!, sid: parts[1] ?? '', rest: parts.slice(2) };
  const m = LEGACY.exec(rest);
  if (!m || !/^\d+$/.test(m[1]!)) return { kind: 'none' };
  return { kind: 'legacy', revision: m[1]!, transport: m[2] ?? '', sid: m[3] ?? '' };
}
