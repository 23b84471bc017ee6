import type { IncomingMessage, ServerResponse } from 'node:http';
import type { MiddlewareTarget } from '../host/Host.js';
import type { RequestInfo } from '../http/RequestInfo.js';

/**
 * engine.io's `engine.use` middleware: Express/Connect style, run on every
 * request under the engine's path. On the node host `req` and `res` are
 * node's own (a `ShimResponse` for upgrade requests, which have no
 * `ServerResponse`); on uWS, adapted objects (see the README).
 */
export type EngineMiddleware = (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;

/** How a request left the middlewares. */
export type MiddlewareOutcome = { kind: 'next' } | { kind: 'answered' } | { kind: 'error'; error: unknown };

/**
 * Runs the middlewares in order on the host's request pair; resolves once
 * the last calls `next()`, one passes an error, or one answers itself
 * (then `next` is not waited for: the engine leaves the request alone).
 * A middleware that neither answers nor calls `next` holds the request, as
 * with engine.io.
 */
export function runMiddlewares(list: readonly EngineMiddleware[], target: MiddlewareTarget): Promise<MiddlewareOutcome> {
  const req = target.req as IncomingMessage;
  const res = target.res as ServerResponse;
  return new Promise((resolve) => {
    const step = (i: number): void => {
      if (target.answered()) return resolve({ kind: 'answered' });
      if (i === list.length) return resolve({ kind: 'next' });
      let called = false;
      const next = (err?: unknown): void => {
        if (called) return;
        called = true;
        if (err !== undefined && err !== null && err !== false) resolve({ kind: 'error', error: err });
        else step(i + 1);
      };
      try {
        list[i]!(req, res, next);
      } catch (err) {
        next(err ?? new Error('middleware threw'));
      }
      if (!called) watchAnswer(target, () => resolve({ kind: 'answered' }));
    };
    step(0);
  });
}

/** Resolves the wait for `next` once the response finishes without it. */
function watchAnswer(target: MiddlewareTarget, done: () => void): void {
  const res = target.res as { once?(event: string, cb: () => void): unknown };
  res.once?.('finish', () => {
    if (target.answered()) done();
  });
}

/** engine.io's `req._query` (the parsed query string) and, for HTTP requests, `req.res`; middlewares read them. */
export function prepareRequest(target: MiddlewareTarget, info: RequestInfo, http: boolean): void {
  const req = target.req as { _query?: unknown; res?: unknown };
  if (req._query === undefined) req._query = { ...info.query };
  if (http && req.res === undefined) req.res = target.res;
}

/**
 * What the middlewares added to the request (express-session's `session`,
 * passport's `user`) shows on the request snapshot too, which is what
 * `socket.request` is, as accessors to the live request (express-session's
 * `reload` replaces `req.session`). Not enumerable: they stay out of the
 * handshake record in the store, so sockets rebuilt on another worker do
 * not have them.
 */
export function exposeAdded(req: object, before: ReadonlySet<PropertyKey>, info: RequestInfo): void {
  for (const key of Reflect.ownKeys(req)) {
    if (typeof key !== 'string' || before.has(key) || key in info || key === 'res') continue;
    Object.defineProperty(info, key, {
      get: () => (req as Record<string, unknown>)[key],
      set: (v: unknown) => {
        (req as Record<string, unknown>)[key] = v;
      },
      enumerable: false,
      configurable: true,
    });
  }
}
