import { Engine, MemoryStore, Server, type Bus, type ServerOptions, type Store, type TemplatedApp } from '@nonstick/server';
import { RedisBus, RedisStore } from '@nonstick/redis';
import type { WorkerConfig } from './config.js';
import { createLogger, type Logger } from './logger.js';

export interface RunningWorker {
  engine: Engine;
  /** The Socket.IO server, for Socket.IO apps. */
  io: Server | null;
  port: number;
  log: Logger;
  stop(): Promise<void>;
}

/** An app given the bare Engine.IO engine (no Socket.IO layer). */
export type EngineApp = { kind: 'engine'; setup(engine: Engine): void };
/** An app given the Socket.IO server. */
export type SocketIoApp = {
  kind: 'socket.io';
  options?: Partial<ServerOptions>;
  setup(io: Server): void;
  /** Extra HTTP routes on the worker's app (e.g. a demo page). */
  routes?: (app: TemplatedApp) => void;
};

/** Starts one worker: the store and bus the config asks for, the engine or Socket.IO server, and the app. */
export async function startWorker(config: WorkerConfig, app: EngineApp | SocketIoApp | ((engine: Engine) => void)): Promise<RunningWorker> {
  const a: EngineApp | SocketIoApp = typeof app === 'function' ? { kind: 'engine', setup: app } : app;
  const limits = config.workerTtl !== undefined ? { workerTtl: config.workerTtl } : {};
  const store: Store = config.redisUrl ? new RedisStore({ url: config.redisUrl, limits }) : new MemoryStore({ limits });
  let io: Server | null = null;
  let engine: Engine;
  let bus: Bus | null = null;
  let log: Logger | undefined;
  if (a.kind === 'socket.io') {
    if (config.redisUrl) {
      const retention = Server.retentionFor({ ...config.io, ...a.options });
      bus = new RedisBus({ url: config.redisUrl, retention, onError: (err) => log?.error('bus handler threw', { err }) });
    }
    io = new Server({ ...config.engine, ...config.io, ...a.options, store, workerId: config.workerId, ...(bus ? { bus } : {}) });
    engine = io.engine;
  } else {
    engine = new Engine({ ...config.engine, store, workerId: config.workerId });
  }
  log = createLogger(config.logLevel, { worker: engine.workerId });
  engine.on('store_error', (err: unknown, context: string) => log.warn('store error', { context, err }));
  const onStatus = (kind: string) => (e: { connection: string; status: string; error?: Error; delay?: number }) => {
    const fields = { client: kind, connection: e.connection, status: e.status, delay: e.delay, err: e.error };
    if (e.status === 'ready') log.info('redis connection ready', fields);
    else log.warn(`redis connection ${e.status}`, fields);
  };
  if (store instanceof RedisStore) store.on('status', onStatus('store'));
  if (bus instanceof RedisBus) bus.on('status', onStatus('bus'));
  if (io) {
    io.on('error', (err: unknown, context: string) => log.error('listener threw', { context, err }));
    (a as SocketIoApp).setup(io);
    const port = await io.listen(config.port, config.host, (a as SocketIoApp).routes);
    log.info('listening', { port, host: config.host, store: store.kind, bus: io.bus.kind });
    return { engine, io, port, log, stop: () => io!.close() };
  }
  (a as EngineApp).setup(engine);
  const port = await engine.listen(config.port, config.host);
  log.info('listening', { port, host: config.host, store: store.kind });
  return { engine, io: null, port, log, stop: () => engine.close() };
}
