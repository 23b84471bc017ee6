/**
 * What loading @nonstick/emitter costs a process: ioredis and the bus
 * codec, not a worker's runtime (uWebSockets.js, ws, prom-client,
 * socket.io-client). Checked in a fresh Node process; those dependencies are
 * CommonJS, so the require cache lists them when anything loaded them.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { repoRoot } from '../support/paths.js';

const PROBE = `
import { createRequire } from 'node:module';
const { Emitter } = await import('@nonstick/emitter');
if (typeof Emitter !== 'function') throw new Error('no Emitter export');
const cache = Object.keys(createRequire(import.meta.url).cache);
const pkgs = new Set(cache.map((p) => /node_modules\\/((?:@[^/]+\\/)?[^/]+)\\/(?!.*node_modules\\/)/.exec(p)?.[1]).filter(Boolean));
process.stdout.write(JSON.stringify([...pkgs].sort()));
`;

describe('@nonstick/emitter: what importing it loads', () => {
  it('ioredis and its own dependencies, nothing of a worker', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', PROBE], { cwd: join(repoRoot(), 'test') });
    const loaded = JSON.parse(stdout) as string[];
    assert.ok(loaded.includes('ioredis'), `ioredis is loaded: ${stdout}`);
    for (const heavy of ['uWebSockets.js', 'ws', 'prom-client', 'socket.io-client', 'engine.io-client']) {
      assert.ok(!loaded.includes(heavy), `${heavy} is not loaded; loaded: ${stdout}`);
    }
  });
});
