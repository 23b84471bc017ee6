#!/usr/bin/env node
import { ConfigError, helpText, loadConfig } from './config.js';
import { echoApp } from './demos/echo.js';
import { startWorker } from './worker.js';

const DEMOS = { echo: echoApp } as const;

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(helpText());
    return;
  }
  const config = loadConfig(argv, process.env);
  const app = DEMOS[config.demo as keyof typeof DEMOS];
  if (!app) throw new ConfigError(`unknown demo ${JSON.stringify(config.demo)}; available: ${Object.keys(DEMOS).join(', ')}`);
  const worker = await startWorker(config, app);
  // One machine-readable line on stdout for supervisors and tests.
  process.stdout.write(`${JSON.stringify({ event: 'listening', port: worker.port, workerId: worker.engine.workerId })}\n`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    worker.log.info('stopping', { signal });
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
  process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level: 'error', msg: 'worker failed to start', error: e.name, message: e.message })}\n`);
  process.exit(e.name === 'ConfigError' ? 2 : 1);
});
