import { defaultHostChoice } from '../host/choice.js';
import type { CorsOptions } from '../http/cors.js';
import type { CookieOptions } from '../http/cookie.js';
import type { RequestInfo } from '../http/RequestInfo.js';
import type { Metrics } from '../metrics/Metrics.js';
import type { Store } from '../store/Store.js';

export type TransportName = 'polling' | 'websocket';

/** Transports of Socket.IO protocol 1 (clients of socket.io 0.7–0.9). */
export type LegacyTransportName = 'websocket' | 'flashsocket' | 'htmlfile' | 'xhr-polling' | 'jsonp-polling';
export const LEGACY_TRANSPORTS: readonly LegacyTransportName[] = ['websocket', 'flashsocket', 'htmlfile', 'xhr-polling', 'jsonp-polling'];

/** Socket.IO 0.7–0.9 clients, served under the same path (`/socket.io/1/...`); defaults are 0.9.19's. */
export interface LegacyOptions {
  /** In the order clients should try them (default websocket, htmlfile, xhr-polling, jsonp-polling: flashsocket is off, as in 0.9). */
  transports?: LegacyTransportName[];
  /** How often the server sends `2::` on websocket, flashsocket and htmlfile, ms (25000). */
  heartbeatInterval?: number;
  /** How long the server waits for the client's `2::` answer, ms (60000; advertised in the handshake). */
  heartbeatTimeout?: number;
  /** How long a polling session lives without a request, ms (60000; advertised in the handshake). */
  closeTimeout?: number;
  /** How long an idle long-poll is held before it is answered `8::`, ms (20000). */
  pollingDuration?: number;
  /** Port of the Flash socket policy server for flashsocket clients (null = none; 0 = any free port). */
  flashPolicyPort?: number | null;
  /** `host:port` entries of the Flash policy file (default `*:*`). */
  flashPolicyOrigins?: string[];
}

export type ResolvedLegacyOptions = Required<LegacyOptions>;

/** Transports of Socket.IO 0.6. */
export type Sio06TransportName = 'websocket' | 'flashsocket' | 'htmlfile' | 'xhr-multipart' | 'xhr-polling' | 'jsonp-polling';
export const SIO06_TRANSPORT_NAMES: readonly Sio06TransportName[] = ['websocket', 'flashsocket', 'htmlfile', 'xhr-multipart', 'xhr-polling', 'jsonp-polling'];

/** Socket.IO 0.6 clients (`~m~` framing), served under the same path (`/socket.io/<transport>/...`); defaults are 0.6.18's. */
export interface Sio06Options {
  /** Default all six but flashsocket (its policy server is `legacy.flashPolicyPort`, off by default). */
  transports?: Sio06TransportName[];
  /** How often the server sends `~h~<n>` on websocket, flashsocket, htmlfile and xhr-multipart, ms (10000). */
  heartbeatInterval?: number;
  /** How long the server waits for the echo, ms (8000). */
  heartbeatTimeout?: number;
  /** How long a polling session lives without a request, ms (8000). */
  closeTimeout?: number;
  /** How long an idle long-poll is held before it is answered empty, ms (20000). */
  pollingDuration?: number;
}

export type ResolvedSio06Options = Required<Sio06Options>;

/** `callback(errorMessage, success)`, as engine.io's `allowRequest`. */
export type AllowRequest = (req: RequestInfo, callback: (err: string | null | undefined, success: boolean) => void) => void;

export interface EngineOptions {
  /** Path the engine answers under (default `/engine.io`). */
  path?: string;
  /** How often the server pings (EIO4) or expects the client's ping (EIO3), ms. */
  pingInterval?: number;
  /** How long to wait for a pong before closing, ms. */
  pingTimeout?: number;
  /** How long a websocket probe may take to complete its upgrade, ms. */
  upgradeTimeout?: number;
  /** Largest POST body or websocket message, bytes (advertised as `maxPayload`). */
  maxHttpBufferSize?: number;
  transports?: TransportName[];
  allowUpgrades?: boolean;
  /** Accept Engine.IO 3 clients (socket.io-client 1.x/2.x). */
  allowEIO3?: boolean;
  cors?: CorsOptions;
  allowRequest?: AllowRequest;
  /** Set a cookie holding the session id on the handshake answer. */
  cookie?: boolean | CookieOptions;
  /** Enable permessage-deflate on websockets. */
  perMessageDeflate?: boolean;
  /** Bytes a websocket may buffer toward a slow client before it is closed. */
  maxBackpressure?: number;
  /** Session store; a private in-memory store by default (one process). */
  store?: Store;
  /** This worker's id in the cluster (random by default). */
  workerId?: string;
  /** Monitoring hooks (e.g. a `PromMetrics`); none by default. */
  metrics?: Metrics;
  /** Run on uWebSockets.js's slow JS fallback instead of refusing to start. */
  allowUwsFallback?: boolean;
  /** The network host `listen` starts: uWebSockets.js, node:http + ws, or whichever runs here ('auto'; `NONSTICK_HTTP_SERVER` when not given). */
  httpServer?: 'uws' | 'node' | 'auto';
  /** How often this worker sweeps store heartbeats, ms. */
  sweepInterval?: number;
  /** How often this worker looks for dead workers' sessions, ms. */
  orphanInterval?: number;
  /** How long to wait for another worker's answer before assuming it is dead, ms. */
  rpcTimeout?: number;
  /**
   * Announce a polling session only once it is clear whether it upgrades, so
   * `connection` runs once, on the worker that keeps the session (see
   * docs/differences.md). Default: on when the store is shared between processes.
   */
  settleUpgrades?: boolean;
  /** Shortest and longest wait for a client's upgrade probe before announcing a polling session, ms. */
  settleWindow?: [min: number, max: number];
  /** Serve Socket.IO 0.7–0.9 clients (protocol 1) too; on by default, `false` turns it off. */
  legacy?: boolean | LegacyOptions;
  /** Serve Socket.IO 0.6 clients too; on by default, `false` turns it off. */
  sio06?: boolean | Sio06Options;
}

export type ResolvedEngineOptions = Required<
  Omit<EngineOptions, 'cors' | 'allowRequest' | 'cookie' | 'store' | 'workerId' | 'settleUpgrades' | 'metrics' | 'legacy' | 'sio06'>
> &
  Pick<EngineOptions, 'cors' | 'allowRequest' | 'cookie' | 'settleUpgrades'> & {
    /** null when legacy clients are not served. */
    legacy: ResolvedLegacyOptions | null;
    sio06: ResolvedSio06Options | null;
  };

export function resolveEngineOptions(o: EngineOptions): ResolvedEngineOptions {
  const pingInterval = o.pingInterval ?? 25_000;
  const pingTimeout = o.pingTimeout ?? 20_000;
  const path = `${(o.path ?? '/engine.io').replace(/\/+$/, '')}`;
  const resolved: ResolvedEngineOptions = {
    path: path.startsWith('/') ? path : `/${path}`,
    pingInterval,
    pingTimeout,
    upgradeTimeout: o.upgradeTimeout ?? 10_000,
    maxHttpBufferSize: o.maxHttpBufferSize ?? 1e6,
    transports: o.transports ?? ['polling', 'websocket'],
    allowUpgrades: o.allowUpgrades ?? true,
    allowEIO3: o.allowEIO3 ?? false,
    perMessageDeflate: o.perMessageDeflate ?? false,
    maxBackpressure: o.maxBackpressure ?? 16 * 1024 * 1024,
    allowUwsFallback: o.allowUwsFallback ?? false,
    httpServer: o.httpServer ?? defaultHostChoice(),
    // Fine enough that a short test pingTimeout still fires on time, coarse
    // enough that the default 20 s timeout costs one sweep a second.
    sweepInterval: o.sweepInterval ?? clamp(Math.min(pingInterval, pingTimeout) / 10, 10, 1000),
    orphanInterval: o.orphanInterval ?? 1000,
    rpcTimeout: o.rpcTimeout ?? 1000,
    settleUpgrades: o.settleUpgrades,
    settleWindow: o.settleWindow ?? [20, 1500],
    cors: o.cors,
    allowRequest: o.allowRequest,
    cookie: o.cookie,
    legacy: resolveLegacy(o.legacy),
    sio06: resolveSio06(o.sio06),
  };
  for (const t of resolved.transports) {
    if (t !== 'polling' && t !== 'websocket') throw new TypeError(`unknown transport in options: ${String(t)}`);
  }
  return resolved;
}

function resolveLegacy(o: boolean | LegacyOptions | undefined): ResolvedLegacyOptions | null {
  if (o === false) return null;
  const l = o === true || o === undefined ? {} : o;
  const resolved: ResolvedLegacyOptions = {
    transports: l.transports ?? ['websocket', 'htmlfile', 'xhr-polling', 'jsonp-polling'],
    heartbeatInterval: l.heartbeatInterval ?? 25_000,
    heartbeatTimeout: l.heartbeatTimeout ?? 60_000,
    closeTimeout: l.closeTimeout ?? 60_000,
    pollingDuration: l.pollingDuration ?? 20_000,
    flashPolicyPort: l.flashPolicyPort ?? null,
    flashPolicyOrigins: l.flashPolicyOrigins ?? ['*:*'],
  };
  for (const t of resolved.transports) {
    if (!LEGACY_TRANSPORTS.includes(t)) throw new TypeError(`unknown legacy transport in options: ${String(t)}`);
  }
  return resolved;
}

function resolveSio06(o: boolean | Sio06Options | undefined): ResolvedSio06Options | null {
  if (o === false) return null;
  const l = o === true || o === undefined ? {} : o;
  const resolved: ResolvedSio06Options = {
    transports: l.transports ?? ['websocket', 'htmlfile', 'xhr-multipart', 'xhr-polling', 'jsonp-polling'],
    heartbeatInterval: l.heartbeatInterval ?? 10_000,
    heartbeatTimeout: l.heartbeatTimeout ?? 8_000,
    closeTimeout: l.closeTimeout ?? 8_000,
    pollingDuration: l.pollingDuration ?? 20_000,
  };
  for (const t of resolved.transports) {
    if (!SIO06_TRANSPORT_NAMES.includes(t)) throw new TypeError(`unknown 0.6 transport in options: ${String(t)}`);
  }
  return resolved;
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, Math.floor(v)));
}
