#!/usr/bin/env node
import { loadApp } from './app.js';
import { ConfigError, helpText, loadConfig, type WorkerConfig } from './config.js';
import { chatApp } from './demos/chat.js';
import { echoApp } from './demos/echo.js';
import { startWorker, type EngineApp, type SocketIoApp } from './worker.js';
import { errorFields } from './logger.js';

/** `--demo NAME`: each entry builds its app (only the chosen one is built). */
const DEMOS: Record<string, () => EngineApp | SocketIoApp> = {
  /** The Socket.IO chat page at `/`. */
  chat: chatApp,
  /** Engine.IO level: every message comes back to its sender. */
  echo: () => ({ kind: 'engine', setup: echoApp }),
};

/** The user's module (`--app`), or a demo (`--demo`, chat by default). loadConfig has refused both at once. */
async function appOf(config: WorkerConfig): Promise<EngineApp | SocketIoApp> {
  if (config.app !== null) return loadApp(config.app);
  const demo = config.demo ?? 'chat';
  const makeApp = Object.hasOwn(DEMOS, demo) ? DEMOS[demo] : undefined;
  if (!makeApp) throw new ConfigError(`unknown demo ${JSON.stringify(demo)}; available: ${Object.keys(DEMOS).join(', ')} (or your own with --app FILE)`);
  return makeApp();
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(helpText());
    return;
  }
  const config = loadConfig(argv, process.env);
  const app = await appOf(config);
  const worker = await startWorker(config, app);
  if (app.kind === 'socket.io' && app.routes)
    worker.log.info('demo page', { demo: config.demo ?? 'chat', url: `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${worker.port}/` });
  // One machine-readable line on stdout for supervisors and tests.
  process.stdout.write(`${JSON.stringify({ event: 'listening', port: worker.port, workerId: worker.engine.workerId })}\n`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    worker.log.info('stopping', { signal, deadline: config.shutdownTimeout });
    const deadline = setTimeout(() => {
      worker.log.error('graceful stop took too long, exiting', { deadline: config.shutdownTimeout });
      process.exit(1);
    }, config.shutdownTimeout);
    deadline.unref();
    worker.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  const e = err instanceof Error ? err : new Error(String(err));
  // A bad setting is explained by its message; anything else needs to say where it came from.
  const detail = e.name === 'ConfigError' ? {} : { err: errorFields(e) };
  process.stderr.write(
    `${JSON.stringify({ time: new Date().toISOString(), level: 'error', msg: 'worker failed to start', error: e.name, message: e.message, ...detail })}\n`,
  );
  process.exit(e.name === 'ConfigError' ? 2 : 1);
});
