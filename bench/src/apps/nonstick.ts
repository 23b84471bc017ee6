/**
 * Nonstick worker running the bench app: the real worker (`startWorker`
 * from the `nonstick` package, configured by its own flags and environment:
 * `--port`, `--host`, `--redis-url`, `--worker-ttl`, ...).
 */
import { loadConfig, startWorker } from 'nonstick';
import { announce, benchApp, serverControl } from './app.js';

/** The host the harness asked for (the worker's config may read the same variable itself). */
function hostChoice(v: string | undefined): 'uws' | 'node' | 'auto' | undefined {
  if (v === undefined || v === '') return undefined;
  if (v === 'uws' || v === 'node' || v === 'auto') return v;
  throw new Error(`NONSTICK_HTTP_SERVER: one of uws, node, auto; got ${JSON.stringify(v)}`);
}

const config = loadConfig(process.argv.slice(2), process.env);
config.engine.httpServer ??= hostChoice(process.env.NONSTICK_HTTP_SERVER);
const worker = await startWorker(config, {
  kind: 'socket.io',
  setup(io) {
    benchApp(io);
  },
});
serverControl(() => worker.stop());
announce(worker.port, { workerId: worker.engine.workerId, server: 'nonstick', host: worker.engine.options.httpServer, store: config.redisUrl ? 'redis' : 'memory' });
