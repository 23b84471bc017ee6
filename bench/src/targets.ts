/**
 * The servers under test. Each target is started and stopped by the
 * harness; all run the same app (apps/app.ts) on 127.0.0.1.
 */
import { fileURLToPath } from 'node:url';
import { spawnChild, type Child, type ChildEvent } from '@nonstick/test/support';
import { startNginx, startRedis, type Service } from './support/services.js';
import { processTree, type ProcGroup } from './measure/proc.js';

export type TargetId =
  'nonstick' | 'nonstick-node' | 'nonstick-cluster' | 'socketio-ws' | 'socketio-uws' | 'socketio-cluster' | 'socketio-cluster-rr' | 'ceiling';

export interface TargetDef {
  id: TargetId;
  label: string;
  /** One process, or several behind nginx (with Redis). */
  kind: 'single' | 'cluster';
  describe: string;
  /** Sessions survive landing on any process (no stickiness needed). */
  stateless: boolean;
}

export interface TargetOptions {
  /** Nonstick workers in nonstick-cluster. */
  workers: number;
  /** socket.io nodes in the socket.io clusters. */
  sioNodes: number;
  /** Descriptor limit for the server processes (many idle connections). */
  nofile: number;
  /** --worker-ttl for Nonstick cluster workers (undefined: the worker default). */
  workerTtl?: number;
}

export interface RunningTarget {
  def: TargetDef;
  /** Where clients connect: the process, or nginx in front of the cluster. */
  url: string;
  /** The server processes (Node) that run the app. */
  workers: Child[];
  /** Measured process groups: "workers" always; "redis" and "nginx" for clusters. */
  groups: ProcGroup[];
  /** Full GC in every worker (before RSS readings). */
  gc(): Promise<void>;
  /** SIGKILL worker i (failover). */
  killWorker(i: number): Promise<void>;
  /** A one-line description of what runs (for the report). */
  topology: string;
  stop(): Promise<void>;
}

const APPS = {
  nonstick: fileURLToPath(new URL('./apps/nonstick.js', import.meta.url)),
  socketio: fileURLToPath(new URL('./apps/socketio.js', import.meta.url)),
  ceiling: fileURLToPath(new URL('./apps/ceiling.js', import.meta.url)),
};

export const TARGETS: readonly TargetDef[] = [
  { id: 'nonstick', label: 'Nonstick 1 worker', kind: 'single', stateless: true, describe: 'one Nonstick worker on the in-memory store, uWebSockets.js host' },
  { id: 'nonstick-node', label: 'Nonstick 1 worker (node host)', kind: 'single', stateless: true, describe: 'the same worker on the node:http + ws host' },
  {
    id: 'nonstick-cluster',
    label: 'Nonstick cluster',
    kind: 'cluster',
    stateless: true,
    describe: 'N Nonstick workers + Redis, nginx round robin (deploy/nginx/nginx.conf, no stickiness)',
  },
  { id: 'socketio-ws', label: 'socket.io (ws)', kind: 'single', stateless: false, describe: 'official socket.io, one process, node:http + ws' },
  { id: 'socketio-uws', label: 'socket.io (uWS)', kind: 'single', stateless: false, describe: 'official socket.io, one process, io.attachApp(uWebSockets.js)' },
  {
    id: 'socketio-cluster',
    label: 'socket.io cluster',
    kind: 'cluster',
    stateless: false,
    describe: 'official socket.io, N processes (ws) + @socket.io/redis-streams-adapter, nginx ip_hash (sticky)',
  },
  {
    id: 'socketio-cluster-rr',
    label: 'socket.io cluster, no stickiness',
    kind: 'cluster',
    stateless: false,
    describe: 'the same socket.io cluster behind the project nginx config as is (round robin)',
  },
  {
    id: 'ceiling',
    label: 'ceiling (raw uWS)',
    kind: 'single',
    stateless: false,
    describe: 'raw uWebSockets.js answering by string surgery, no Engine.IO/Socket.IO library: the physical limit',
  },
];

export function targetDef(id: string): TargetDef {
  const d = TARGETS.find((t) => t.id === id);
  if (!d) throw new Error(`unknown target ${JSON.stringify(id)}; known: ${TARGETS.map((t) => t.id).join(', ')}`);
  return d;
}

async function spawnServer(
  script: string,
  args: string[],
  name: string,
  opts: TargetOptions,
  env: Record<string, string> = {},
): Promise<{ child: Child; port: number }> {
  const child = spawnChild(process.execPath, ['--expose-gc', script, '--port', '0', '--host', '127.0.0.1', ...args], {
    env: { LOG_LEVEL: 'warn', ...env },
    name,
    nofile: opts.nofile,
  });
  try {
    const ev = await child.waitForEvent<ChildEvent & { port: number }>('listening', 20_000);
    return { child, port: ev.port };
  } catch (err) {
    await child.stop(2_000);
    throw err;
  }
}

function gcAll(workers: Child[]): Promise<void> {
  return Promise.all(
    workers
      .filter((w) => !w.exited)
      .map(async (w) => {
        const since = w.eventCount;
        w.kill('SIGUSR2');
        await w.waitForEvent('gc', 5_000, { since }).catch(() => undefined);
      }),
  ).then(() => undefined);
}

function make(def: TargetDef, url: string, workers: Child[], services: { redis?: Service; nginx?: Service }, topology: string): RunningTarget {
  const groups: ProcGroup[] = [{ role: 'workers', pids: () => workers.filter((w) => !w.exited).map((w) => w.pid) }];
  if (services.redis) {
    const pid = services.redis.child.pid;
    groups.push({ role: 'redis', pids: () => [pid] });
  }
  if (services.nginx) {
    const pid = services.nginx.child.pid;
    groups.push({ role: 'nginx', pids: () => processTree(pid) });
  }
  let stopped = false;
  return {
    def,
    url,
    workers,
    groups,
    topology,
    gc: () => gcAll(workers),
    async killWorker(i) {
      const w = workers[i];
      if (!w) throw new Error(`${def.id}: no worker ${i}`);
      w.killGroup('SIGKILL');
      await w.waitForExit(5_000);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await services.nginx?.stop();
      await Promise.all(workers.map((w) => w.stop(3_000).catch(() => undefined)));
      await services.redis?.stop();
    },
  };
}

export async function startTarget(id: TargetId, opts: TargetOptions): Promise<RunningTarget> {
  const def = targetDef(id);
  const workers: Child[] = [];
  let redis: Service | undefined;
  let nginx: Service | undefined;
  const cleanup = async () => {
    await nginx?.stop();
    await Promise.all(workers.map((w) => w.stop(2_000).catch(() => undefined)));
    await redis?.stop();
  };
  try {
    switch (id) {
      case 'nonstick':
      case 'nonstick-node': {
        // The host is named, never 'auto': a uWS that failed to load must not pass for the node host.
        const host = id === 'nonstick' ? 'uws' : 'node';
        const w = await spawnServer(APPS.nonstick, ['--http-server', host], id, opts);
        workers.push(w.child);
        return make(def, `http://127.0.0.1:${w.port}`, workers, {}, `1 worker, memory store, ${host === 'uws' ? 'uWS' : 'node:http + ws'} host`);
      }
      case 'socketio-ws':
      case 'socketio-uws': {
        const engine = id === 'socketio-ws' ? 'ws' : 'uws';
        const w = await spawnServer(APPS.socketio, ['--engine', engine], id, opts);
        workers.push(w.child);
        return make(def, `http://127.0.0.1:${w.port}`, workers, {}, `1 process, ${engine}`);
      }
      case 'ceiling': {
        const w = await spawnServer(APPS.ceiling, [], 'ceiling', opts);
        workers.push(w.child);
        return make(def, `http://127.0.0.1:${w.port}`, workers, {}, '1 process, raw uWS');
      }
      case 'nonstick-cluster': {
        redis = await startRedis();
        const ttl = opts.workerTtl !== undefined ? ['--worker-ttl', String(opts.workerTtl)] : [];
        const started = await Promise.all(
          Array.from({ length: opts.workers }, (_, i) => spawnServer(APPS.nonstick, ['--redis-url', redis!.url, ...ttl], `nonstick${i}`, opts)),
        );
        workers.push(...started.map((s) => s.child));
        nginx = await startNginx({ upstreams: started.map((s) => `127.0.0.1:${s.port}`) });
        return make(def, nginx.url, workers, { redis, nginx }, `${opts.workers} workers + Redis, nginx round robin`);
      }
      case 'socketio-cluster':
      case 'socketio-cluster-rr': {
        redis = await startRedis();
        const started = await Promise.all(
          Array.from({ length: opts.sioNodes }, (_, i) => spawnServer(APPS.socketio, ['--engine', 'ws', '--redis-url', redis!.url], `socketio${i}`, opts)),
        );
        workers.push(...started.map((s) => s.child));
        const sticky = id === 'socketio-cluster';
        nginx = await startNginx({ upstreams: started.map((s) => `127.0.0.1:${s.port}`), sticky });
        return make(
          def,
          nginx.url,
          workers,
          { redis, nginx },
          `${opts.sioNodes} processes (ws) + redis-streams adapter, nginx ${sticky ? 'ip_hash' : 'round robin'}`,
        );
      }
    }
  } catch (err) {
    await cleanup();
    throw err;
  }
}
