import {
  createHost,
  Engine,
  hasOriginAllowList,
  MemoryStore,
  PromMetrics,
  Server,
  type Bus,
  type Host,
  type RawResponse,
  type ServerOptions,
  type Store,
} from '@nonstick/server';
import { RedisBus, RedisStore, type Client } from '@nonstick/redis';
import type { WorkerConfig } from './config.js';
import { createLogger, type Logger } from './logger.js';

export interface RunningWorker {
  engine: Engine;
  /** The Socket.IO server, for Socket.IO apps. */
  io: Server | null;
  port: number;
  /** The port serving metrics, /health and /ready when `--metrics-port` is set (else null: the main port does). */
  metricsPort: number | null;
  /** The worker's Prometheus metrics (null with `--metrics-path off`). */
  metrics: PromMetrics | null;
  log: Logger;
  /** What /ready answers: ready, or why not. */
  readiness(): Readiness;
  stop(): Promise<void>;
}

export type Readiness = { status: 'ready' } | { status: 'unavailable'; reason: string };

/** An app given the bare Engine.IO engine (no Socket.IO layer). */
export type EngineApp = { kind: 'engine'; setup(engine: Engine): void };
/** An app given the Socket.IO server. */
export type SocketIoApp = {
  kind: 'socket.io';
  /** The app's own Socket.IO/engine options; settings from the config (flags, environment, file) override them. */
  options?: Partial<ServerOptions>;
  /** Runs before the worker listens; a returned promise is awaited, and a rejection stops the start. */
  setup(io: Server): void | Promise<void>;
  /** Extra HTTP routes on the worker's host (e.g. a demo page). */
  routes?: (host: Host) => void;
};

/** Starts one worker: the store and bus the config asks for, the engine or Socket.IO server, and the app. */
export async function startWorker(config: WorkerConfig, app: EngineApp | SocketIoApp | ((engine: Engine) => void)): Promise<RunningWorker> {
  const a: EngineApp | SocketIoApp = typeof app === 'function' ? { kind: 'engine', setup: app } : app;
  const limits = config.workerTtl !== undefined ? { workerTtl: config.workerTtl } : {};
  const metrics = config.metricsPath ? new PromMetrics() : null;
  const withMetrics = metrics ? { metrics } : {};
  /** Redis connections /ready requires, by name; a getter since the bus' reader exists only once started. */
  const connections: Array<[string, () => Client | null]> = [];
  let store: Store;
  if (config.redisUrl) {
    const s = new RedisStore({ url: config.redisUrl, limits, ...(metrics ? { onCommand: (t: number) => metrics.redisCommand('store', t) } : {}) });
    store = s;
    connections.push(['store command', () => s.client], ['store subscriber', () => s.subscriber]);
    if (metrics) {
      metrics.redisStatus('store', 'command', false);
      metrics.redisStatus('store', 'subscriber', false);
      s.on('status', (e) => redisStatus(metrics, 'store', e));
    }
  } else store = new MemoryStore({ limits });
  let io: Server | null = null;
  let engine: Engine;
  let bus: Bus | null = null;
  let log: Logger | undefined;
  if (a.kind === 'socket.io') {
    if (config.redisUrl) {
      const retention = Server.retentionFor({ ...a.options, ...config.io });
      const b = new RedisBus({
        url: config.redisUrl,
        retention,
        onError: (err) => {
          metrics?.error('listener');
          log?.error('bus handler threw', { err });
        },
        ...(metrics ? { onCommand: (t: number) => metrics.redisCommand('bus', t) } : {}),
      });
      bus = b;
      connections.push(['bus command', () => b.client], ['bus reader', () => b.reader]);
      if (metrics) {
        metrics.redisStatus('bus', 'command', false);
        metrics.redisStatus('bus', 'reader', false);
        b.on('status', (e) => redisStatus(metrics, 'bus', e));
      }
    }
    io = new Server({ ...a.options, ...config.engine, ...config.io, store, workerId: config.workerId, ...(bus ? { bus } : {}), ...withMetrics });
    engine = io.engine;
  } else {
    engine = new Engine({ ...config.engine, store, workerId: config.workerId, ...withMetrics });
  }
  let started = false;
  let stopping = false;
  const readiness = (): Readiness => {
    if (stopping) return { status: 'unavailable', reason: 'shutting down' };
    if (!started) return { status: 'unavailable', reason: 'starting' };
    for (const [name, get] of connections) {
      const status = get()?.status ?? 'not started';
      if (status !== 'ready') return { status: 'unavailable', reason: `${name} connection is ${status}` };
    }
    return { status: 'ready' };
  };
  (io ? io.ready : engine.ready).then(
    () => (started = true),
    () => {},
  );
  /** /health, /ready and (unless off) the metrics path. */
  const opsRoutes = (host: Host, withMetricsRoute: boolean): void => {
    host.route('/health', (res) => json(res, 200, { status: 'ok' }));
    host.route('/ready', (res) => {
      const r = readiness();
      json(res, r.status === 'ready' ? 200 : 503, r);
    });
    if (withMetricsRoute && metrics && config.metricsPath) metrics.serve(host, config.metricsPath);
  };
  const ops = config.metricsPort > 0 ? await listenOps(engine, config.host, config.metricsPort, opsRoutes) : null;
  const routes = (extra?: (host: Host) => void) => (host: Host) => {
    opsRoutes(host, ops === null);
    extra?.(host);
  };
  const stopWith = (close: () => Promise<void>) => async () => {
    stopping = true;
    ops?.close();
    try {
      await close();
    } finally {
      metrics?.close();
    }
  };
  log = createLogger(config.logLevel, { worker: engine.workerId });
  engine.on('store_error', (err: unknown, context: string) => log.warn('store error', { context, err }));
  const onStatus = (kind: string) => (e: { connection: string; status: string; error?: Error; delay?: number }) => {
    const fields = { client: kind, connection: e.connection, status: e.status, delay: e.delay, err: e.error };
    if (e.status === 'ready') log.info('redis connection ready', fields);
    else log.warn(`redis connection ${e.status}`, fields);
  };
  warnOfLegacyCors(engine, log);
  if (store instanceof RedisStore) store.on('status', onStatus('store'));
  if (bus instanceof RedisBus) bus.on('status', onStatus('bus'));
  if (io) {
    io.on('error', (err: unknown, context: string) => log.error('listener threw', { context, err }));
    try {
      await (a as SocketIoApp).setup(io);
    } catch (err) {
      // Nothing listens yet; let go of Redis and the ops port so a library caller is not left holding them.
      ops?.close();
      const done = () => metrics?.close();
      void io.close().then(done, done);
      throw err;
    }
    await io.ready;
    const port = await engine.listen(config.port, config.host, routes((a as SocketIoApp).routes));
    log.info('listening', {
      port,
      host: config.host,
      ...hostFields(engine),
      store: store.kind,
      bus: io.bus.kind,
      metricsPort: ops?.port ?? port,
      metricsPath: config.metricsPath,
    });
    return { engine, io, port, metricsPort: ops?.port ?? null, metrics, log, readiness, stop: stopWith(() => io.close()) };
  }
  (a as EngineApp).setup(engine);
  const port = await engine.listen(config.port, config.host, routes());
  log.info('listening', { port, host: config.host, ...hostFields(engine), store: store.kind, metricsPort: ops?.port ?? port, metricsPath: config.metricsPath });
  return { engine, io: null, port, metricsPort: ops?.port ?? null, metrics, log, readiness, stop: stopWith(() => engine.close()) };
}

/** Which network host runs, and why (`--http-server`). */
function hostFields(engine: Engine): { httpServer: string | undefined; httpServerReason: string | null } {
  return { httpServer: engine.host?.kind, httpServerReason: engine.hostReason };
}

function redisStatus(metrics: PromMetrics, client: 'store' | 'bus', e: { connection: string; status: string }): void {
  // `error` alone says nothing about the connection (a command can fail on a live one); `reconnecting` and `end` follow a loss.
  if (e.status === 'ready') metrics.redisStatus(client, e.connection, true);
  else if (e.status === 'reconnecting' || e.status === 'end') metrics.redisStatus(client, e.connection, false);
}

function json(res: RawResponse, status: number, body: unknown): void {
  res.send(
    status,
    [
      ['Content-Type', 'application/json'],
      ['Cache-Control', 'no-store'],
    ],
    JSON.stringify(body),
    false,
  );
}

/** The separate metrics port: a host of its own with the ops routes only. */
async function listenOps(
  engine: Engine,
  addr: string,
  port: number,
  routes: (host: Host, withMetrics: boolean) => void,
): Promise<{ port: number; close(): void }> {
  const o = engine.options;
  const { host } = createHost(o.httpServer, { allowUwsFallback: o.allowUwsFallback });
  routes(host, true);
  let bound: number;
  try {
    bound = await host.listen(port, addr);
  } catch (cause) {
    throw new Error(`cannot listen on ${addr}:${port} (metrics)`, { cause });
  }
  return {
    port: bound,
    close() {
      void host.close();
    },
  };
}

/**
 * Legacy clients (0.6–0.9) on another origin send credentials; their
 * answers carry CORS only for origins `--cors-origin` lists. Without a list
 * pages elsewhere cannot use them, which an app serving old clients across
 * origins needs to hear about at start-up.
 */
function warnOfLegacyCors(engine: Engine, log: Logger): void {
  const legacy = [engine.legacy ? '0.7–0.9' : null, engine.sio06 ? '0.6' : null].filter((x) => x !== null);
  if (legacy.length === 0 || hasOriginAllowList(engine.options.cors)) return;
  log.warn(
    `Socket.IO ${legacy.join(' and ')} clients are served, and with no --cors-origin list their answers carry no CORS: ` +
      'pages on other origins cannot use them (same-origin pages and non-browser clients can). List the origins to allow with --cors-origin.',
  );
}
