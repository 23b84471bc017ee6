// Child process for the fallback test: tries to start an Engine on the uWS
// host and reports whether it ran and on which uWebSockets.js implementation.
import { Engine } from '../../src/engine/Engine.js';
import { usingUwsFallback } from '../../src/uws.js';

try {
  const engine = new Engine({ allowUwsFallback: process.argv[2] === 'allow', httpServer: 'uws' });
  await engine.listen(0, '127.0.0.1');
  process.stdout.write(`started fallback=${usingUwsFallback()}\n`);
  await engine.close();
  process.exit(0);
} catch (err) {
  process.stdout.write(`${(err as Error).name}: ${(err as Error).message}\n`);
  process.exit(3);
}
