import { MemoryCluster, MemoryStore } from '../src/store/MemoryStore.js';
import { runStoreContract } from './contract/index.js';

runStoreContract('MemoryStore', async (n, limits) => {
  const cluster = new MemoryCluster();
  const stores = Array.from({ length: n }, () => new MemoryStore({ cluster, limits: { ...limits, workerTtl: 1000 } }));
  return {
    stores,
    async close() {
      await Promise.all(stores.map((s) => s.stop()));
    },
  };
});
