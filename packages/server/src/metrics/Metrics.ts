/**
 * What the engine, its transports and the Socket.IO layer report for
 * monitoring. The engine calls these hooks on its hot paths, so an
 * implementation must be cheap and must never throw; the default
 * (`NOOP_METRICS`) does nothing at all. `PromMetrics` implements it with
 * prom-client on a per-worker registry.
 *
 * Values that are a state rather than an event (sessions, waiting polls,
 * Socket.IO sockets) are not counted up and down by the hooks: the engine and
 * the server register a `MetricsSource` and the implementation reads it when
 * it is scraped, so a gauge can never drift.
 */

/** Protocol generation of a session: Engine.IO 4 / 3 (Socket.IO 1.x–4.x), or the legacy Socket.IO 0.7–0.9 / 0.6 transports. */
export type MetricsGeneration = 'eio4' | 'eio3' | 'sio1' | 'sio06';

/**
 * `errors_total` codes: engine.io's HTTP rejection codes `0`–`5`; `decode`
 * (an Engine.IO or Socket.IO payload that does not parse, or breaks the
 * protocol's rules); `too_large` (a POST body over maxHttpBufferSize);
 * `method` (an HTTP method polling does not serve); `store` (a store call
 * failed); `bus` (a bus publish failed); `listener` (an application handler
 * or middleware threw).
 */
export type MetricsErrorCode = '0' | '1' | '2' | '3' | '4' | '5' | 'decode' | 'too_large' | 'method' | 'store' | 'bus' | 'listener';

/** Which Redis client a command or connection belongs to. */
export type MetricsRedisClient = 'store' | 'bus';

/** State read at scrape time; each part is optional (the engine and the server each register theirs). */
export interface MetricsSource {
  /** Sessions this worker owns. */
  sessions?(): Iterable<{ readonly generation: MetricsGeneration; readonly transportName: string }>;
  /** Long-polls held open on this worker. */
  pollsWaiting?(): number;
  /** Socket.IO sockets on this worker, all namespaces. */
  sioSockets?(): number;
}

export interface Metrics {
  /** A session was created by a handshake on this worker. */
  handshake(generation: MetricsGeneration, transport: string): void;
  /** An Engine.IO message packet reached the application (on the owner). */
  packetIn(payload: string | Uint8Array): void;
  /** The application sent an Engine.IO message packet. */
  packetOut(payload: string | Uint8Array): void;
  /** A long-poll was answered after being held `seconds` on this worker. */
  pollAnswered(seconds: number): void;
  /** `messages` inbound messages were relayed to another worker's inbox. */
  relayed(messages: number): void;
  /** The owner drained relayed entries, `seconds` after it was told of them. */
  relayDrained(seconds: number): void;
  /** A poll or a websocket drain took `entries` entries from a session's outbound queue. */
  queueDrained(entries: number): void;
  /** Bus entries were delivered to this worker (ids are `<ms>-<seq>`). */
  busDelivered(entries: readonly { readonly id: string }[]): void;
  /** This worker published a broadcast to the bus. */
  broadcast(): void;
  /** Sessions closed because their pong was late. */
  heartbeatTimeout(count: number): void;
  error(code: MetricsErrorCode): void;
  /** One Redis command's round trip. */
  redisCommand(client: MetricsRedisClient, seconds: number): void;
  /** A Redis connection became ready (true) or was lost (false). */
  redisStatus(client: MetricsRedisClient, connection: string, up: boolean): void;
  /** Registers state to read at scrape time. */
  source(source: MetricsSource): void;
}

function noop(): void {}

/** The default: every hook does nothing. */
export const NOOP_METRICS: Metrics = Object.freeze({
  handshake: noop,
  packetIn: noop,
  packetOut: noop,
  pollAnswered: noop,
  relayed: noop,
  relayDrained: noop,
  queueDrained: noop,
  busDelivered: noop,
  broadcast: noop,
  heartbeatTimeout: noop,
  error: noop,
  redisCommand: noop,
  redisStatus: noop,
  source: noop,
});
