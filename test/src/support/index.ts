/**
 * Test-support library for integration tests: free ports, supervised child
 * processes, a private redis-server and nginx running deploy/nginx/nginx.conf.
 * Everything started here is killed when the test process ends, however it ends.
 */
export { freePort, isAddrInUse } from './ports.js';
export { Child, formatExit, hardDeathCleanupSupported, spawnChild } from './children.js';
export type { ChildEvent, ChildExit, LineMatcher, OutputLine, OutputStream, SpawnChildOptions, WaitEventOptions, WaitLineOptions } from './children.js';
export { registerCleanup, runCleanupNow } from './cleanup.js';
export { canConnect, redisRawCommand } from './net.js';
export { findBinary, makeTempDir, repoRoot } from './paths.js';
export type { TempDir } from './paths.js';
export { redisServerBinary, startRedis } from './redis.js';
export type { RedisProcess, StartRedisOptions } from './redis.js';
export { nginxBinary, projectNginxConf, startNginx } from './nginx.js';
export { quietFor, waitUntil } from './wait.js';
export type { NginxProcess, StartNginxOptions } from './nginx.js';
