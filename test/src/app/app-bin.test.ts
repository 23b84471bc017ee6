/**
 * `nonstick --app FILE`, the real bin: a CommonJS app given relative to the
 * current directory and the example app serve socket.io-client 4.x clients; a missing file, a
 * module without setup, a setup that rejects and `--app` with `--demo` each
 * stop the start with one error line naming the problem, a non-zero exit
 * code and no `listening` line.
 */
import assert from 'node:assert/strict';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { connectSio, type SioClient } from '../clients/sio.js';
import { makeTempDir, repoRoot, spawnChild, type Child } from '../support/index.js';

const BIN = join(repoRoot(), 'packages', 'nonstick', 'dist', 'src', 'bin.js');
const CJS_APP = fileURLToPath(new URL('../fixtures/app-cjs.cjs', import.meta.url));

/** Runs the bin in `cwd` until it exits (it must, before listening). */
async function failedStart(args: string[], cwd: string): Promise<{ code: number | null; error: { error: string; message: string }; child: Child }> {
  const child = spawnChild(process.execPath, [BIN, '--port', '0', '--host', '127.0.0.1', ...args], { cwd, name: 'nonstick', env: { LOG_LEVEL: 'warn' } });
  const exit = await child.waitForExit(10_000);
  assert.equal(child.events().length, 0, `no listening line: ${child.tail()}`);
  const lines = child.lines('stderr').filter((l) => l.includes('worker failed to start'));
  assert.equal(lines.length, 1, `one error line: ${child.tail()}`);
  return { code: exit.code, error: JSON.parse(lines[0]!), child };
}

describe('nonstick --app (the bin)', { timeout: 60_000 }, () => {
  const dir = makeTempDir('app-bin');
  const clients: SioClient[] = [];
  let worker: Child | undefined;
  after(async () => {
    for (const c of clients) c.close();
    await worker?.stop();
    dir.remove();
  });

  it('runs a CommonJS app given relative to the current directory, with its options', async () => {
    copyFileSync(CJS_APP, join(dir.path, 'my-app.cjs'));
    worker = spawnChild(process.execPath, [BIN, '--app', './my-app.cjs', '--port', '0', '--host', '127.0.0.1'], {
      cwd: dir.path,
      name: 'worker',
      env: { LOG_LEVEL: 'warn', REDIS_URL: undefined, NONSTICK_APP: undefined, NONSTICK_DEMO: undefined },
    });
    const { port } = await worker.waitForEvent<{ event: string; port: number }>('listening', 15_000);
    const url = `http://127.0.0.1:${port}`;
    const c = await connectSio('v4', url, 'websocket');
    clients.push(c);
    const [greeting, workerId] = await c.ack('hello');
    assert.equal(greeting, 'hello from commonjs');
    assert.match(String(workerId), /^w-/);
    // The app's options reached the server: its pingInterval is in the handshake.
    const handshake = await (await fetch(`${url}/socket.io/?EIO=4&transport=polling`)).text();
    assert.equal(JSON.parse(handshake.slice(1)).pingInterval, 5432);
  });

  it('runs the example app compose mounts (deploy/app/example.mjs): join and say in a room', async () => {
    const example = spawnChild(process.execPath, [BIN, '--app', 'deploy/app/example.mjs', '--port', '0', '--host', '127.0.0.1'], {
      cwd: repoRoot(),
      name: 'example',
      env: { LOG_LEVEL: 'warn', REDIS_URL: undefined, NONSTICK_APP: undefined, NONSTICK_DEMO: undefined },
    });
    try {
      const { port } = await example.waitForEvent<{ event: string; port: number }>('listening', 15_000);
      const [a, b] = await Promise.all([1, 2].map(() => connectSio('v4', `http://127.0.0.1:${port}`, 'polling')));
      clients.push(a!, b!);
      for (const c of [a!, b!]) assert.deepEqual(await c.ack('join', 'lobby'), ['ok']);
      const said = b!.next('said');
      a!.emit('say', 'lobby', 'hi');
      assert.deepEqual(await said, [a!.id, 'hi']);
    } finally {
      await example.stop();
    }
  });

  it('a missing file: exit code 2, the error names the path as given and as resolved', async () => {
    const { code, error } = await failedStart(['--app', './nope.mjs'], dir.path);
    assert.equal(code, 2);
    assert.equal(error.error, 'ConfigError');
    assert.equal(error.message, `--app ./nope.mjs (${join(dir.path, 'nope.mjs')}): no such file`);
  });

  it('a module without setup: exit code 2, says what to export', async () => {
    writeFileSync(join(dir.path, 'no-setup.mjs'), 'export const options = {};\n');
    const { code, error } = await failedStart(['--app', 'no-setup.mjs'], dir.path);
    assert.equal(code, 2);
    assert.match(error.message, /^--app no-setup\.mjs \(.*no-setup\.mjs\): exports no setup function \(expected `export function setup\(io\)`/);
  });

  it('a setup that rejects: exit code 1 before listening, the error names the file and the cause, the stack is kept', async () => {
    writeFileSync(
      join(dir.path, 'rejects.mjs'),
      "export async function setup(io) { await new Promise((r) => setTimeout(r, 20)); throw new Error('database unreachable'); }\n",
    );
    const { code, error } = await failedStart(['--app', './rejects.mjs'], dir.path);
    assert.equal(code, 1);
    assert.equal(error.error, 'AppError');
    assert.match(error.message, /^--app \.\/rejects\.mjs \(.*rejects\.mjs\): setup\(io\) failed: database unreachable$/);
    assert.match(JSON.stringify(error), /rejects\.mjs:1:/, 'the cause keeps its stack into the app');
  });

  it('--app with --demo (or NONSTICK_DEMO): exit code 2, mutually exclusive', async () => {
    for (const [args, env] of [
      [['--app', CJS_APP, '--demo', 'chat'], {}],
      [['--app', CJS_APP], { NONSTICK_DEMO: 'echo' }],
    ] as Array<[string[], Record<string, string>]>) {
      const child = spawnChild(process.execPath, [BIN, '--port', '0', ...args], { cwd: dir.path, name: 'nonstick', env: { LOG_LEVEL: 'warn', ...env } });
      const exit = await child.waitForExit(10_000);
      assert.equal(exit.code, 2, child.tail());
      assert.match(child.lines('stderr').join('\n'), /--app \(NONSTICK_APP\) and --demo \(NONSTICK_DEMO\) are mutually exclusive/);
    }
  });
});
