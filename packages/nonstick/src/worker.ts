import { Engine, MemoryStore, type Store } from '@nonstick/server';
import { RedisStore } from '@nonstick/redis';
import type { WorkerConfig } from './config.js';
import { createLogger, type Logger } from './logger.js';

export interface RunningWorker {
  engine: Engine;
  port: number;
  log: Logger;
  stop(): Promise<void>;
}

/** Starts one worker: the store the config asks for, the engine, and the app. */
export async function startWorker(config: WorkerConfig, app: (engine: Engine) => void): Promise<RunningWorker> {
  const limits = config.workerTtl !== undefined ? { workerTtl: config.workerTtl } : {};
  const store: Store = config.redisUrl ? new RedisStore({ url: config.redisUrl, limits }) : new MemoryStore({ limits });
  const engine = new Engine({ ...config.engine, store, workerId: config.workerId });
  const log = createLogger(config.logLevel, { worker: engine.workerId });
  engine.on('store_error', (err: unknown, context: string) => log.warn('store error', { context, err }));
  if (store instanceof RedisStore) {
    store.on('status', (e: { connection: string; status: string; error?: Error; delay?: number }) => {
      const fields = { connection: e.connection, status: e.status, delay: e.delay, err: e.error };
      if (e.status === 'ready') log.info('redis connection ready', fields);
      else log.warn(`redis connection ${e.status}`, fields);
    });
  }
  app(engine);
  const port = await engine.listen(config.port, config.host);
  log.info('listening', { port, host: config.host, store: store.kind });
  return { engine, port, log, stop: () => engine.close() };
}
