import { startCluster, spawnWorker, type Cluster, type WorkerProcess } from '../fixtures/cluster.js';

/** Where a suite runs: one worker on the in-memory store, or three on Redis behind nginx. */
export interface Target {
  name: string;
  url: string;
  workers: WorkerProcess[];
  stop(): Promise<void>;
}

export type TargetKind = 'single' | 'cluster';
export const TARGETS: TargetKind[] = ['single', 'cluster'];

export async function startTarget(kind: TargetKind, args: string[]): Promise<Target> {
  if (kind === 'single') {
    const w = await spawnWorker(args, { REDIS_URL: undefined }, 'worker-memory');
    return { name: '1 worker (MemoryStore)', url: w.url, workers: [w], stop: async () => void (await w.child.stop(5000)) };
  }
  const c: Cluster = await startCluster(3, args);
  return { name: '3 workers (RedisStore) behind nginx', url: c.url, workers: c.workers, stop: () => c.stop() };
}
