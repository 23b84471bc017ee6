/**
 * Error logs must say where an error came from: the JSON line carries the
 * stack, the system code and the chain of causes, both from the logger
 * itself and from a worker whose handler threw.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createLogger } from 'nonstick';
import { connectSio, type SioClient } from '../clients/sio.js';
import { SIO_WORKER, spawnWorker, type WorkerProcess } from '../fixtures/cluster.js';
import { spawnChild } from '../support/children.js';
import { repoRoot } from '../support/paths.js';

type Fields = Record<string, unknown>;

function logOnce(fields: Fields): Fields {
  const lines: string[] = [];
  createLogger('info', {}, (l) => lines.push(l)).error('failed', fields);
  assert.equal(lines.length, 1);
  return JSON.parse(lines[0]!) as Fields;
}

describe('logger: errors', () => {
  it('keeps name, message, stack and code, and follows cause chains', () => {
    const root = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    const mid = new TypeError('read failed', { cause: root });
    const top = new Error('store unavailable', { cause: mid });
    const err = logOnce({ err: top, context: 'state' })['err'] as Fields;
    assert.equal(err['name'], 'Error');
    assert.equal(err['message'], 'store unavailable');
    assert.equal(err['stack'], top.stack);
    const cause = err['cause'] as Fields;
    assert.equal(cause['name'], 'TypeError');
    assert.equal(cause['stack'], mid.stack);
    const rootOut = cause['cause'] as Fields;
    assert.equal(rootOut['message'], 'socket hang up');
    assert.equal(rootOut['code'], 'ECONNRESET');
    assert.equal(rootOut['stack'], root.stack);
  });

  it('logs an AggregateError with each of its errors, and a cause that is no Error as it is', () => {
    const agg = new AggregateError([new Error('ipv6 refused'), new Error('ipv4 refused')], 'connect failed', { cause: { host: 'redis', port: 6379 } });
    const err = logOnce({ err: agg })['err'] as Fields;
    assert.deepEqual(
      (err['errors'] as Fields[]).map((e) => e['message']),
      ['ipv6 refused', 'ipv4 refused'],
    );
    assert.ok(typeof (err['errors'] as Fields[])[0]!['stack'] === 'string');
    assert.deepEqual(err['cause'], { host: 'redis', port: 6379 });
  });

  it('a cause cycle still gives one finite line', () => {
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    (a as { cause?: unknown }).cause = b;
    let depth = 0;
    for (let e = logOnce({ err: a })['err'] as Fields | undefined; e; e = e['cause'] as Fields | undefined) depth++;
    assert.ok(depth > 2 && depth < 20, `followed ${depth} causes`);
  });
});

describe('logger: a worker whose handler throws', () => {
  let worker: WorkerProcess | undefined;
  let client: SioClient | undefined;
  after(async () => {
    client?.close();
    await worker?.child.stop(5000);
  });

  it('writes the stack and the cause to its JSON error line', async () => {
    worker = await spawnWorker([], { REDIS_URL: undefined }, 'worker-logs', SIO_WORKER);
    client = await connectSio('v4', worker.url, 'websocket');
    client.emit('throw-with-cause');
    const line = await worker.child.waitForLine((l, stream) => stream === 'stderr' && l.includes('handler threw'), 10_000);
    const rec = JSON.parse(line) as Fields;
    assert.equal(rec['level'], 'error');
    const err = rec['err'] as Fields;
    assert.match(String(err['stack']), /^Error: handler threw\n\s+at .*sio-worker\.js/);
    const cause = err['cause'] as Fields;
    assert.equal(cause['message'], 'root cause');
    assert.equal(cause['code'], 'ECONNRESET');
    assert.match(String(cause['stack']), /sio-worker\.js/);
  });
});

describe('logger: the start-up warning about legacy CORS', () => {
  const workers: WorkerProcess[] = [];
  after(() => Promise.all(workers.map((w) => w.child.stop(5000))));

  it('warns when 0.6–0.9 clients are served with no --cors-origin list, and not with one', async () => {
    const [plain, listed] = await Promise.all([
      spawnWorker([], { REDIS_URL: undefined }, 'worker-nolist', SIO_WORKER),
      spawnWorker(['--cors-origin', 'https://app.example'], { REDIS_URL: undefined }, 'worker-list', SIO_WORKER),
    ]);
    workers.push(plain, listed);
    const warning = (w: WorkerProcess) => w.child.lines().filter((l) => l.includes('no --cors-origin list'));
    const [line] = warning(plain);
    assert.ok(line, `a warning; output: ${plain.child.tail(10)}`);
    const rec = JSON.parse(line) as Fields;
    assert.equal(rec['level'], 'warn');
    assert.match(String(rec['msg']), /Socket\.IO 0\.7–0\.9 and 0\.6 clients are served/);
    assert.deepEqual(warning(listed), []);
  });
});

describe('logger: a worker that cannot start', () => {
  it('says where the failure came from, and a bad setting only what is wrong', async () => {
    const bin = join(repoRoot(), 'packages', 'nonstick', 'dist', 'src', 'bin.js');
    const busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    const port = (busy.address() as { port: number }).port;
    try {
      const child = spawnChild(process.execPath, [bin, '--port', String(port), '--host', '127.0.0.1', '--log-level', 'error'], { name: 'busy-port' });
      assert.equal((await child.waitForExit(15_000)).code, 1);
      const rec = JSON.parse(child.lines('stderr').find((l) => l.includes('worker failed to start'))!) as Fields;
      assert.match(String((rec['err'] as Fields)['stack']), /cannot listen on 127\.0\.0\.1:\d+\n\s+at /);
    } finally {
      busy.close();
    }
    const bad = spawnChild(process.execPath, [bin, '--port', 'x'], { name: 'bad-port' });
    assert.equal((await bad.waitForExit(15_000)).code, 2);
    const rec = JSON.parse(bad.lines('stderr').find((l) => l.includes('worker failed to start'))!) as Fields;
    assert.equal(rec['error'], 'ConfigError');
    assert.equal(rec['err'], undefined);
  });
});
