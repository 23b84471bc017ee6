/**
 * `@nonstick/redis/bus`: the Redis bus alone, for processes that publish to
 * a cluster without running a worker (`@nonstick/emitter`); it loads
 * ioredis and the bus contract, not the store or `@nonstick/server`.
 */
export { RedisBus, BusGapError, type RedisBusOptions, type RedisBusEvents, type BusStatusEvent, type BusConnectionRole } from './RedisBus.js';
export type { Client, ConnectionOptions } from './connection.js';
export { DEFAULT_PREFIX } from './keys.js';
