/**
 * Operations: the workers' Prometheus metrics scraped by a real Prometheus
 * (its own process, port, config and storage), and /health and /ready.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connectSio, type SioClient } from '../clients/sio.js';
import { SIO_WORKER, spawnWorker, startCluster, type Cluster, type WorkerProcess } from '../fixtures/cluster.js';
import { findBinary, freePort, makeTempDir, spawnChild, startRedis, type Child, type RedisProcess, type TempDir } from '../support/index.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` until it returns a value `ok` accepts; fails with the last value after `timeoutMs`. */
async function until<T>(what: string, probe: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 20_000, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  let lastErr: unknown;
  for (;;) {
    try {
      last = await probe();
      if (ok(last)) return last;
    } catch (err) {
      lastErr = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}; last value ${JSON.stringify(last)}${lastErr ? `, last error ${String(lastErr)}` : ''}`);
    }
    await sleep(everyMs);
  }
}

async function get(url: string): Promise<{ status: number; text: string; type: string }> {
  const r = await fetch(url, { signal: AbortSignal.timeout(5000) });
  return { status: r.status, text: await r.text(), type: r.headers.get('content-type') ?? '' };
}

interface PromSample {
  metric: Record<string, string>;
  value: [number, string];
}

class Prometheus {
  private constructor(
    readonly child: Child,
    readonly url: string,
    readonly dir: TempDir,
  ) {}

  static async start(targets: string[]): Promise<Prometheus> {
    const dir = makeTempDir('prometheus');
    const port = await freePort();
    const config = [
      'global:',
      '  scrape_interval: 1s',
      '  scrape_timeout: 900ms',
      '  evaluation_interval: 1s',
      'scrape_configs:',
      '  - job_name: nonstick',
      '    metrics_path: /metrics',
      '    static_configs:',
      `      - targets: [${targets.map((t) => `'${t}'`).join(', ')}]`,
      '',
    ].join('\n');
    const file = join(dir.path, 'prometheus.yml');
    writeFileSync(file, config);
    const bin = findBinary('prometheus', 'PROMETHEUS_BIN', ['/usr/bin/prometheus']);
    const child = spawnChild(
      bin,
      [
        `--config.file=${file}`,
        `--storage.tsdb.path=${join(dir.path, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=warn',
        '--storage.tsdb.retention.time=1h',
      ],
      { name: 'prometheus' },
    );
    const p = new Prometheus(child, `http://127.0.0.1:${port}`, dir);
    try {
      await until(
        'prometheus to be ready',
        () => get(`${p.url}/-/ready`).then((r) => r.status),
        (s) => s === 200,
        30_000,
      );
    } catch (err) {
      await p.stop();
      throw new Error(`${String(err)}\n${child.tail()}`);
    }
    return p;
  }

  async query(expr: string): Promise<PromSample[]> {
    const r = await get(`${this.url}/api/v1/query?query=${encodeURIComponent(expr)}`);
    const body = JSON.parse(r.text) as { status: string; data?: { resultType: string; result: PromSample[] }; error?: string };
    if (body.status !== 'success' || !body.data) throw new Error(`query ${expr}: ${body.error ?? r.text}`);
    return body.data.result;
  }

  /** The value of a query with one (or no: null) result. */
  async scalar(expr: string): Promise<number | null> {
    const r = await this.query(expr);
    if (r.length === 0) return null;
    if (r.length > 1) throw new Error(`query ${expr}: ${r.length} series`);
    return Number(r[0]!.value[1]);
  }

  async stop(): Promise<void> {
    await this.child.stop(10_000).catch(() => undefined);
    this.dir.remove();
  }
}

describe('Prometheus scraping a 3-worker cluster', () => {
  let cluster: Cluster;
  let prom: Prometheus;
  const clients: SioClient[] = [];

  before(async () => {
    cluster = await startCluster(3, ['--allow-eio3'], { script: SIO_WORKER });
    prom = await Prometheus.start(cluster.workers.map((w) => `127.0.0.1:${w.port}`));
  });
  after(async () => {
    for (const c of clients) c.close();
    await prom?.stop();
    await cluster?.stop();
  });

  it('every target is up and every worker has its Redis connections up', async () => {
    await until(
      '3 targets up',
      () => prom.scalar('count(up == 1)'),
      (v) => v === 3,
    );
    // store: command + subscriber, bus: command + reader, on each worker.
    await until(
      '12 redis connections reported',
      () => prom.scalar('count(nonstick_redis_up)'),
      (v) => v === 12,
    );
    await until(
      'all redis connections up',
      () => prom.scalar('min(nonstick_redis_up)'),
      (v) => v === 1,
    );
    const perWorker = await prom.query('sum by (instance) (nonstick_redis_up)');
    assert.equal(perWorker.length, 3);
    for (const s of perWorker) assert.equal(s.value[1], '4', `redis connections of ${s.metric['instance']}`);
    // Default process metrics come with them.
    await until(
      'process metrics',
      () => prom.scalar('count(process_cpu_user_seconds_total)'),
      (v) => v === 3,
    );
  });

  it('handshakes, sessions, sockets, packets, broadcasts and decode errors move with real socket.io-client traffic', async () => {
    const baseline = (await prom.scalar('sum(nonstick_handshakes_total)')) ?? 0;
    const [inBase, outBase] = await Promise.all([
      prom.scalar('sum(nonstick_packets_total{direction="in"})').then((v) => v ?? 0),
      prom.scalar('sum(nonstick_packets_total{direction="out"})').then((v) => v ?? 0),
    ]);
    // Through nginx (round robin, no stickiness): polling and websocket, socket.io-client 4.x and 2.x.
    const specs = [
      ['v4', 'polling'],
      ['v4', 'polling'],
      ['v4', 'websocket'],
      ['v4', 'websocket'],
      ['v2', 'polling'],
    ] as const;
    for (const [version, mode] of specs) clients.push(await connectSio(version, cluster.url, mode));
    const n = specs.length;

    await until(
      'handshakes',
      () => prom.scalar('sum(nonstick_handshakes_total)'),
      (v) => v !== null && v - baseline === n,
    );
    await until(
      'eio3 handshakes',
      () => prom.scalar('sum(nonstick_handshakes_total{generation="eio3"})'),
      (v) => v === 1,
    );
    await until(
      'websocket handshakes',
      () => prom.scalar('sum(nonstick_handshakes_total{transport="websocket"})'),
      (v) => v === 2,
    );
    await until(
      'sessions up',
      () => prom.scalar('sum(nonstick_sessions)'),
      (v) => v === n,
    );
    await until(
      'socket.io sockets up',
      () => prom.scalar('sum(nonstick_socketio_sockets)'),
      (v) => v === n,
    );

    // Events with acks, and a room broadcast across workers.
    const [a, b] = clients as [SioClient, SioClient];
    assert.deepEqual(await a.ack('echo', 'hello'), ['hello']);
    await a.ack('join', 'ops-room');
    await b.ack('to', 'ops-room', 'news', 'for the room');
    assert.deepEqual(await a.first('news'), ['for the room']);
    await until(
      'packets in',
      () => prom.scalar('sum(nonstick_packets_total{direction="in"})'),
      (v) => v !== null && v - inBase >= 3,
    );
    await until(
      'packets out',
      () => prom.scalar('sum(nonstick_packets_total{direction="out"})'),
      (v) => v !== null && v - outBase >= 3,
    );
    await until(
      'bytes',
      () => prom.scalar('sum(nonstick_bytes_total)'),
      (v) => v !== null && v > 0,
    );
    await until(
      'broadcast published',
      () => prom.scalar('sum(nonstick_broadcasts_total)'),
      (v) => v !== null && v >= 1,
    );
    // Every worker reads the bus, so every worker observed the entry's lag.
    await until(
      'bus lag on every worker',
      () => prom.scalar('count(nonstick_bus_lag_seconds_count > 0)'),
      (v) => v === 3,
    );
    await until(
      'polls answered',
      () => prom.scalar('sum(nonstick_poll_wait_seconds_count)'),
      (v) => v !== null && v > 0,
    );
    await until(
      'queue drains',
      () => prom.scalar('sum(nonstick_queue_depth_count)'),
      (v) => v !== null && v > 0,
    );
    // Which POSTs land off their owner depends on nginx's rotation: the series exist on every worker.
    await until(
      'relay series',
      () => prom.scalar('count(nonstick_relays_total) + count(nonstick_relay_latency_seconds_count)'),
      (v) => v === 6,
    );
    await until(
      'event loop lag',
      () => prom.scalar('count(nonstick_event_loop_lag_seconds >= 0)'),
      (v) => v === 3,
    );

    // A malformed Socket.IO packet from a real 4.x client: its connection closes, the error is counted.
    const bad = await connectSio('v4', cluster.url, 'websocket');
    clients.push(bad);
    const closed = bad.first('$disconnect', 10_000);
    (bad.raw.io.engine as { send(d: string): void }).send('9{malformed');
    await closed;
    await until(
      'decode error counted',
      () => prom.scalar('sum(nonstick_errors_total{code="decode"})'),
      (v) => v !== null && v >= 1,
    );
    // An engine-level rejection, straight at a worker: code 0.
    assert.equal((await get(`${cluster.workers[0]!.url}/socket.io/?EIO=4&transport=carrier-pigeon`)).status, 400);
    await until(
      'code 0 counted',
      () => prom.scalar('sum(nonstick_errors_total{code="0"})'),
      (v) => v !== null && v >= 1,
    );

    // No high-cardinality labels anywhere in the nonstick series.
    const labels = await get(`${prom.url}/api/v1/labels?match[]=${encodeURIComponent('{__name__=~"nonstick_.*"}')}`);
    const names = (JSON.parse(labels.text) as { data: string[] }).data;
    for (const banned of ['sid', 'socket', 'room', 'nsp', 'namespace']) assert.ok(!names.includes(banned), `label ${banned} in ${names.join(',')}`);

    for (const c of clients.splice(0)) c.close();
    await until(
      'sessions down',
      () => prom.scalar('sum(nonstick_sessions)'),
      (v) => v === 0,
    );
    await until(
      'socket.io sockets down',
      () => prom.scalar('sum(nonstick_socketio_sockets)'),
      (v) => v === 0,
    );
  });
});

describe('/health and /ready of a worker on Redis, with a separate metrics port', () => {
  let redis: RedisProcess;
  let worker: WorkerProcess;
  let metricsPort: number;

  before(async () => {
    redis = await startRedis();
    metricsPort = await freePort();
    worker = await spawnWorker(['--metrics-port', String(metricsPort)], { REDIS_URL: redis.url }, 'worker-ops', SIO_WORKER);
  });
  after(async () => {
    await worker?.child.stop(5000).catch(() => undefined);
    await redis?.stop();
  });

  it('serves /health, /ready on both ports and metrics on the metrics port only', async () => {
    const ops = `http://127.0.0.1:${metricsPort}`;
    for (const base of [worker.url, ops]) {
      const h = await get(`${base}/health`);
      assert.equal(h.status, 200);
      assert.deepEqual(JSON.parse(h.text), { status: 'ok' });
      const r = await until(
        'ready',
        () => get(`${base}/ready`),
        (x) => x.status === 200,
        10_000,
      );
      assert.match(r.type, /application\/json/);
      assert.deepEqual(JSON.parse(r.text), { status: 'ready' });
    }
    const m = await get(`${ops}/metrics`);
    assert.equal(m.status, 200);
    assert.match(m.text, /^nonstick_redis_up\{client="store",connection="command"\} 1$/m);
    // Commands are timed on the store's and the bus' command connections (the lease renewal, the bus' start).
    for (const client of ['store', 'bus']) {
      const count = new RegExp(`^nonstick_redis_command_duration_seconds_count\\{client="${client}"\\} (\\d+)$`, 'm').exec(m.text);
      assert.ok(count && Number(count[1]) > 0, `${client} commands timed`);
    }
    assert.equal((await get(`${worker.url}/metrics`)).status, 404);
  });

  it('/ready is 503 with a reason while Redis is down, /health stays 200, and both recover', async () => {
    const ops = `http://127.0.0.1:${metricsPort}`;
    await redis.kill();
    const down = await until(
      'not ready',
      () => get(`${worker.url}/ready`),
      (x) => x.status === 503,
      15_000,
    );
    const body = JSON.parse(down.text) as { status: string; reason: string };
    assert.equal(body.status, 'unavailable');
    assert.match(body.reason, /connection is /);
    assert.equal((await get(`${worker.url}/health`)).status, 200);
    await until(
      'redis_up 0',
      () => get(`${ops}/metrics`).then((r) => r.text),
      (t) => /^nonstick_redis_up\{client="store",connection="command"\} 0$/m.test(t),
      15_000,
    );
    await redis.restart();
    await until(
      'ready again',
      () => get(`${worker.url}/ready`),
      (x) => x.status === 200,
      20_000,
    );
    await until(
      'redis_up 1',
      () => get(`${ops}/metrics`).then((r) => r.text),
      (t) => /^nonstick_redis_up\{client="store",connection="command"\} 1$/m.test(t),
      15_000,
    );
  });
});
