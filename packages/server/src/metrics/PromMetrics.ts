import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Host } from '../host/Host.js';
import type { Metrics, MetricsErrorCode, MetricsGeneration, MetricsRedisClient, MetricsSource } from './Metrics.js';

export interface PromMetricsOptions {
  /** Registry to register on; a new one per instance by default (never prom-client's global one). */
  registry?: Registry;
  /** prom-client's default process metrics (`collectDefaultMetrics`) on the registry (default true). */
  defaultMetrics?: boolean;
  /** Labels added to every series (keep them constant per worker, e.g. `{ service: 'chat' }`). */
  defaultLabels?: Record<string, string>;
  /** Resolution of the event-loop delay monitor, ms (default 10). */
  eventLoopResolution?: number;
}

const ERROR_CODES: readonly MetricsErrorCode[] = ['0', '1', '2', '3', '4', '5', 'decode', 'too_large', 'method', 'store', 'bus', 'listener'];
const GENERATIONS: readonly MetricsGeneration[] = ['eio4', 'eio3'];
const TRANSPORTS = ['polling', 'websocket'] as const;

/**
 * The `Metrics` hooks on prom-client, with every series named `nonstick_*`
 * and only low-cardinality labels (no session, socket, room or namespace).
 * Labelled children used on hot paths are bound once here, so a hook is a
 * counter increment with no allocation.
 *
 * `serve(host, path)` answers Prometheus scrapes on a network host;
 * `metrics()` gives the exposition text for any other server.
 */
export class PromMetrics implements Metrics {
  readonly registry: Registry;
  readonly #sources: MetricsSource[] = [];
  readonly #loop: IntervalHistogram;

  readonly #handshakes: Counter<'generation' | 'transport'>;
  readonly #packetsIn: Counter.Internal;
  readonly #packetsOut: Counter.Internal;
  readonly #bytesIn: Counter.Internal;
  readonly #bytesOut: Counter.Internal;
  readonly #pollWait: Histogram;
  readonly #relays: Counter;
  readonly #relayLatency: Histogram;
  readonly #queueDepth: Histogram;
  readonly #busLag: Histogram;
  readonly #broadcasts: Counter;
  readonly #heartbeatTimeouts: Counter;
  readonly #errors: Record<string, Counter.Internal>;
  readonly #errorCounter: Counter<'code'>;
  readonly #redisDuration: Record<MetricsRedisClient, Histogram.Internal<'client'>>;
  readonly #redisUp: Gauge<'client' | 'connection'>;
  readonly #handshakeChildren = new Map<string, Counter.Internal>();

  constructor(options: PromMetricsOptions = {}) {
    const registry = (this.registry = options.registry ?? new Registry());
    if (options.defaultLabels) registry.setDefaultLabels(options.defaultLabels);
    const registers = [registry];
    const sources = this.#sources;

    const sessions = new Gauge({
      name: 'nonstick_sessions',
      help: 'Engine.IO sessions owned by this worker, by protocol generation and current transport',
      labelNames: ['generation', 'transport'] as const,
      registers,
      collect() {
        const counts = new Map<string, number>();
        for (const g of GENERATIONS) for (const t of TRANSPORTS) counts.set(`${g} ${t}`, 0);
        for (const s of sources) {
          if (!s.sessions) continue;
          for (const session of s.sessions()) {
            const key = `${session.generation} ${session.transportName}`;
            counts.set(key, (counts.get(key) ?? 0) + 1);
          }
        }
        for (const [key, n] of counts) {
          const sp = key.indexOf(' ');
          this.labels(key.slice(0, sp), key.slice(sp + 1)).set(n);
        }
      },
    });
    void sessions;
    this.#handshakes = new Counter({
      name: 'nonstick_handshakes_total',
      help: 'Sessions created by a handshake on this worker',
      labelNames: ['generation', 'transport'] as const,
      registers,
    });
    for (const g of GENERATIONS) for (const t of TRANSPORTS) this.#handshakeChild(g, t);
    const packets = new Counter({
      name: 'nonstick_packets_total',
      help: 'Engine.IO message packets: in = delivered to the application on the owner, out = sent by the application',
      labelNames: ['direction'] as const,
      registers,
    });
    // A labelled series exists only once incremented: the known ones start at
    // 0, so that a dashboard shows 0 on a quiet cluster rather than "No data".
    this.#packetsIn = zeroed(packets.labels('in'));
    this.#packetsOut = zeroed(packets.labels('out'));
    const bytes = new Counter({
      name: 'nonstick_bytes_total',
      help: 'Engine.IO message payload bytes (UTF-8 for text), by direction as nonstick_packets_total',
      labelNames: ['direction'] as const,
      registers,
    });
    this.#bytesIn = zeroed(bytes.labels('in'));
    this.#bytesOut = zeroed(bytes.labels('out'));
    new Gauge({
      name: 'nonstick_polls_waiting',
      help: 'Long-polls held open on this worker',
      registers,
      collect() {
        let n = 0;
        for (const s of sources) if (s.pollsWaiting) n += s.pollsWaiting();
        this.set(n);
      },
    });
    this.#pollWait = new Histogram({
      name: 'nonstick_poll_wait_seconds',
      help: 'How long a long-poll was held on this worker before it was answered',
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60],
      registers,
    });
    this.#relays = new Counter({
      name: 'nonstick_relays_total',
      help: "Inbound messages this worker relayed to another worker's inbox (the session's owner)",
      registers,
    });
    this.#relayLatency = new Histogram({
      name: 'nonstick_relay_latency_seconds',
      help: 'On the owner: from the inbox notification arriving to the relayed entries having been drained and handed to the application',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    this.#queueDepth = new Histogram({
      name: 'nonstick_queue_depth',
      help: "Entries taken from a session's outbound queue per poll answer or websocket drain",
      buckets: [0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 5000],
      registers,
    });
    this.#busLag = new Histogram({
      name: 'nonstick_bus_lag_seconds',
      help: "Bus delivery lag on this worker: delivery time minus the entry id's timestamp (the bus clock, Redis's for RedisBus)",
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.#broadcasts = new Counter({
      name: 'nonstick_broadcasts_total',
      help: 'Broadcasts this worker published to the bus',
      registers,
    });
    new Gauge({
      name: 'nonstick_socketio_sockets',
      help: 'Socket.IO sockets on this worker (all namespaces)',
      registers,
      collect() {
        let n = 0;
        for (const s of sources) if (s.sioSockets) n += s.sioSockets();
        this.set(n);
      },
    });
    this.#heartbeatTimeouts = new Counter({
      name: 'nonstick_heartbeat_timeouts_total',
      help: 'Sessions closed with "ping timeout" (websockets by their owner, polling sessions by the sweep of this worker)',
      registers,
    });
    this.#errorCounter = new Counter({
      name: 'nonstick_errors_total',
      help: 'Errors: 0-5 = engine.io HTTP rejections by code, decode = unparsable or protocol-breaking input, too_large, method, store, bus, listener',
      labelNames: ['code'] as const,
      registers,
    });
    this.#errors = Object.create(null) as Record<string, Counter.Internal>;
    for (const c of ERROR_CODES) this.#errors[c] = zeroed(this.#errorCounter.labels(c));
    const redisDuration = new Histogram({
      name: 'nonstick_redis_command_duration_seconds',
      help: 'Redis command round trips on the command connections (blocking reads and pub/sub excluded)',
      labelNames: ['client'] as const,
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2],
      registers,
    });
    this.#redisDuration = { store: redisDuration.labels('store'), bus: redisDuration.labels('bus') };
    this.#redisUp = new Gauge({
      name: 'nonstick_redis_up',
      help: "1 while a Redis connection is ready, 0 once it is lost (from the clients' status events)",
      labelNames: ['client', 'connection'] as const,
      registers,
    });
    const loop = (this.#loop = monitorEventLoopDelay({ resolution: options.eventLoopResolution ?? 10 }));
    loop.enable();
    new Gauge({
      name: 'nonstick_event_loop_lag_seconds',
      help: 'Mean event-loop delay since the previous scrape (perf_hooks monitorEventLoopDelay)',
      registers,
      collect() {
        this.set(loop.count > 0 ? loop.mean / 1e9 : 0);
        loop.reset();
      },
    });
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
  }

  // ---- hooks ---------------------------------------------------------------

  handshake(generation: MetricsGeneration, transport: string): void {
    this.#handshakeChild(generation, transport).inc();
  }

  packetIn(payload: string | Uint8Array): void {
    this.#packetsIn.inc();
    this.#bytesIn.inc(typeof payload === 'string' ? Buffer.byteLength(payload) : payload.byteLength);
  }

  packetOut(payload: string | Uint8Array): void {
    this.#packetsOut.inc();
    this.#bytesOut.inc(typeof payload === 'string' ? Buffer.byteLength(payload) : payload.byteLength);
  }

  pollAnswered(seconds: number): void {
    this.#pollWait.observe(seconds);
  }

  relayed(messages: number): void {
    if (messages > 0) this.#relays.inc(messages);
  }

  relayDrained(seconds: number): void {
    this.#relayLatency.observe(seconds);
  }

  queueDrained(entries: number): void {
    this.#queueDepth.observe(entries);
  }

  busDelivered(entries: readonly { readonly id: string }[]): void {
    const now = Date.now();
    for (let i = 0; i < entries.length; i++) {
      const ms = parseInt(entries[i]!.id, 10);
      if (ms > 0) this.#busLag.observe(Math.max(0, now - ms) / 1000);
    }
  }

  broadcast(): void {
    this.#broadcasts.inc();
  }

  heartbeatTimeout(count: number): void {
    if (count > 0) this.#heartbeatTimeouts.inc(count);
  }

  error(code: MetricsErrorCode): void {
    (this.#errors[code] ?? this.#errorCounter.labels(code)).inc();
  }

  redisCommand(client: MetricsRedisClient, seconds: number): void {
    this.#redisDuration[client].observe(seconds);
  }

  redisStatus(client: MetricsRedisClient, connection: string, up: boolean): void {
    this.#redisUp.labels(client, connection).set(up ? 1 : 0);
  }

  source(source: MetricsSource): void {
    this.#sources.push(source);
  }

  // ---- exposition ------------------------------------------------------------

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The exposition text of every metric on the registry. */
  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  /** Answers GET `path` on a network host with the exposition text. */
  serve(host: Host, path = '/metrics'): void {
    host.route(path, (res) => {
      // The host drops the answer if the scraper left meanwhile.
      this.metrics().then(
        (body) => res.send(200, [['Content-Type', this.contentType]], body, false),
        (err: unknown) => res.send(500, [['Content-Type', 'text/plain']], String(err), false),
      );
    });
  }

  /** Stops the event-loop monitor (the registry's series stay readable). */
  close(): void {
    this.#loop.disable();
  }

  #handshakeChild(generation: string, transport: string): Counter.Internal {
    const key = `${generation} ${transport}`;
    let c = this.#handshakeChildren.get(key);
    if (!c) this.#handshakeChildren.set(key, (c = this.#handshakes.labels(generation, transport)));
    return c;
  }
}

/** The series of a counter's child, created at 0. */
function zeroed(child: Counter.Internal): Counter.Internal {
  child.inc(0);
  return child;
}
