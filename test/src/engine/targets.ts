import { startCluster, spawnWorker, type Cluster, type WorkerOptions, type WorkerProcess } from '../fixtures/cluster.js';

/** Where a suite runs: one worker on the in-memory store, or three on Redis behind nginx. */
export interface Target {
  name: string;
  url: string;
  workers: WorkerProcess[];
  /** The cluster, for targets that have one. */
  cluster?: Cluster;
  stop(): Promise<void>;
}

export type TargetKind = 'single' | 'cluster';
export const TARGETS: TargetKind[] = ['single', 'cluster'];

/**
 * Long suites run one target per file, so the test runner can run the two
 * halves side by side: `X.test.ts` runs the single worker, `X.cluster.test.ts`
 * sets NONSTICK_TEST_TARGET=cluster and imports `X.test.js`. The variable
 * also picks targets by hand (`single,cluster` runs both in one process).
 */
export function splitTargets(): TargetKind[] {
  const wanted = process.env['NONSTICK_TEST_TARGET'];
  return wanted ? TARGETS.filter((k) => wanted.split(',').includes(k)) : ['single'];
}

export async function startTarget(kind: TargetKind, args: string[], opts: WorkerOptions = {}): Promise<Target> {
  if (kind === 'single') {
    const w = await spawnWorker(args, { ...opts.env, REDIS_URL: undefined }, 'worker-memory', opts.script);
    return { name: '1 worker (MemoryStore)', url: w.url, workers: [w], stop: async () => void (await w.child.stop(5000)) };
  }
  const c: Cluster = await startCluster(3, args, opts);
  return { name: '3 workers (RedisStore) behind nginx', url: c.url, workers: c.workers, cluster: c, stop: () => c.stop() };
}
