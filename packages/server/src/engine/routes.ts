/**
 * Which protocol a request under the engine's path speaks. Engine.IO asks
 * at the path itself (`/socket.io/?EIO=4...`); Socket.IO protocol 1 puts
 * its revision, transport and session in the path
 * (`/socket.io/1/xhr-polling/<sid>`), matched the way 0.9 matched it.
 */
export type Route =
  | { kind: 'eio' }
  /** `/<n>/[<transport>/[<sid>]]`; empty strings for parts not given. */
  | { kind: 'legacy'; revision: string; transport: string; sid: string };

const LEGACY = /^\/([^/]+)\/?([^/]+)?\/?([^/]+)?\/?$/;

export function routeOf(base: string, path: string): Route {
  if (!path.startsWith(base)) return { kind: 'eio' };
  const rest = path.slice(base.length);
  if (rest === '' || rest === '/') return { kind: 'eio' };
  const m = LEGACY.exec(rest);
  if (!m || !/^\d+$/.test(m[1]!)) return { kind: 'eio' };
  return { kind: 'legacy', revision: m[1]!, transport: m[2] ?? '', sid: m[3] ?? '' };
}
