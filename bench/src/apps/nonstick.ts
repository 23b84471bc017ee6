/**
 * Nonstick worker running the bench app: the real worker (`startWorker`
 * from the `nonstick` package, configured by its own flags and environment:
 * `--port`, `--host`, `--redis-url`, `--worker-ttl`, `--http-server`, ...).
 */
import { loadConfig, startWorker } from 'nonstick';
import { announce, benchApp, serverControl } from './app.js';

const config = loadConfig(process.argv.slice(2), process.env);
const worker = await startWorker(config, {
  kind: 'socket.io',
  setup(io) {
    benchApp(io);
  },
});
serverControl(() => worker.stop());
announce(worker.port, {
  workerId: worker.engine.workerId,
  server: 'nonstick',
  host: worker.engine.options.httpServer,
  store: config.redisUrl ? 'redis' : 'memory',
});
