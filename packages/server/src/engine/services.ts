import type { HeaderList } from '../http/cors.js';
import type { Exchange } from '../http/Exchange.js';
import type { RequestInfo } from '../http/RequestInfo.js';
import type { Metrics } from '../metrics/Metrics.js';
import type { Generation, IngestResult, Store } from '../store/Store.js';
import type { EngineSocket } from './EngineSocket.js';
import type { EngineErrorCode } from './errors.js';
import type { HandshakeRecord, Rejection } from './handshake.js';
import type { ResolvedEngineOptions } from './options.js';
import type { Poller } from './Poller.js';
import type { Settler } from './Settler.js';
import type { WorkerRpc } from './WorkerRpc.js';

/**
 * What transports (of every generation) and the poller need from the
 * engine. The engine implements it; transports never see the Engine class,
 * so neither depends on the other's module.
 */
export interface EngineServices {
  readonly options: ResolvedEngineOptions;
  readonly store: Store;
  readonly metrics: Metrics;
  readonly workerId: string;
  /** Resolves once the store has registered this worker. */
  readonly ready: Promise<void>;
  /** Sessions this worker owns, by id. */
  readonly sockets: Map<string, EngineSocket>;
  /** Workers this worker knows to be dead (refreshed by the orphan sweep). */
  readonly deadWorkers: ReadonlySet<string>;
  readonly rpc: WorkerRpc;
  /** The long-polls held on this worker, of every protocol. */
  readonly poller: Poller;
  /** Polling sessions created here and not announced yet. */
  readonly settler: Settler;

  /** Creates the local socket of a session this worker owns. */
  adopt(sid: string, generation: Generation, transport: 'polling' | 'websocket', hs: HandshakeRecord, resumed: boolean): EngineSocket;
  /** Emits `connection` for a socket. */
  announce(socket: EngineSocket): void;
  /** Takes over a session whose owner died. */
  claim(sid: string, from: string): Promise<EngineSocket | null>;
  /** Takes a session nobody has announced yet from `from`. */
  open(sid: string, from: string, prepare: (socket: EngineSocket) => void): Promise<EngineSocket | null>;
  /** `committed` runs once the store has the session closed, before local listeners hear of it. */
  closeSession(sid: string, reason: string, description?: string, finalEntries?: string[], committed?: () => void): Promise<void>;
  /** A session owned here was closed in the store, not by its local socket. */
  sessionClosed(sid: string, reason: string): Promise<void>;
  drainInbox(sid: string, since?: number): Promise<void>;
  /**
   * Hands entries the store gave this worker as the session's owner to its
   * local socket, once a claim of it in flight here is done; the socket, if any.
   */
  receiveOwned(sid: string, entries: string[], stored: number): Promise<EngineSocket | undefined>;
  runIngested(sid: string, r: Extract<IngestResult, { kind: 'local' | 'relayed' }>, messages: number): Promise<void>;

  /** Counts a refusal and emits `connection_error`; returns the message the client is told. */
  rejected(info: RequestInfo, r: Rejection): string;
  /** Answers with one of engine.io's errors (JSON) and emits `connection_error`. */
  reject(ex: Exchange, info: RequestInfo, r: Rejection): void;
  rejectCode(ex: Exchange, info: RequestInfo, code: EngineErrorCode, context?: Record<string, unknown>): void;
  /** The store could not be reached: a clear 503, the request's session untouched. */
  storeUnavailable(ex: Exchange, err: unknown): void;
  storeFailed(err: unknown, context: string): void;
  /** Emits `initial_headers` (a request without `sid`) and `headers`; returns what their listeners added. */
  answerHeaders(info: RequestInfo): HeaderList;
  /** Set-Cookie for a handshake answer, if configured. */
  handshakeHeaders(sid: string): Array<[string, string]>;
}
