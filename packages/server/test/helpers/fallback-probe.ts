// Child process for the fallback test: tries to construct an Engine and
// reports whether it ran and on which uWebSockets.js implementation.
import { Engine } from '../../src/engine/Engine.js';
import { usingUwsFallback } from '../../src/uws.js';

try {
  const engine = new Engine({ allowUwsFallback: process.argv[2] === 'allow' });
  process.stdout.write(`started fallback=${usingUwsFallback()}\n`);
  await engine.close();
  process.exit(0);
} catch (err) {
  process.stdout.write(`${(err as Error).name}: ${(err as Error).message}\n`);
  process.exit(3);
}
