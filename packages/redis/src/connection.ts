import { Cluster, Redis } from 'ioredis';
import type { ClusterNode, ClusterOptions, RedisOptions } from 'ioredis';

export type Client = Redis | Cluster;

export interface ConnectionOptions {
  /** `redis://` / `rediss://` URL of a standalone server. */
  url?: string;
  /**
   * ioredis options, merged over the store's defaults (see
   * `COMMAND_DEFAULTS`). For Sentinel, set `sentinels` and `name` here.
   */
  redis?: RedisOptions;
  /** Redis Cluster: startup nodes and options (`redisOptions` apply to every node connection). */
  cluster?: { nodes: ClusterNode[]; options?: ClusterOptions };
  /**
   * Called with each command's round trip in seconds (for metrics), on the
   * command connection only: not for pub/sub, nor for the bus' blocking
   * reader. See `timeCommands`.
   */
  onCommand?: (seconds: number) => void;
}

export type ConnectionRole = 'command' | 'subscriber';
export type ConnectionStatus = 'ready' | 'reconnecting' | 'error' | 'end';

export interface StatusEvent {
  /** `command` carries every store operation; `subscriber` receives this worker's messages. */
  connection: ConnectionRole;
  status: ConnectionStatus;
  /** With `error`. */
  error?: Error;
  /** With `reconnecting`: ms until the next attempt. */
  delay?: number;
}

/** Reconnect forever: 100 ms, doubling, capped at 2 s. */
export function reconnectDelay(attempt: number): number {
  return Math.min(2000, 50 * 2 ** Math.min(attempt, 6));
}

/**
 * Defaults chosen so that an outage makes store calls fail fast instead of
 * hanging, and never replays a command whose effect is unknown:
 * - `commandTimeout`: the backstop for a silent network (no RST, no close);
 * - `maxRetriesPerRequest: 0`: commands in flight when the connection drops
 *   are rejected at once rather than kept for the next connection;
 * - `autoResendUnfulfilledCommands: false`: a script that may already have
 *   run (push, ingest) must not run twice; the caller gets the error;
 * - the offline queue is switched off after the first `ready` (see
 *   `watchClient`), so calls during an outage are rejected immediately;
 * - READONLY replies (a Sentinel failover demoted our master) reconnect,
 *   which makes ioredis ask the sentinels for the new master.
 */
export const COMMAND_DEFAULTS: RedisOptions = {
  commandTimeout: 2000,
  maxRetriesPerRequest: 0,
  autoResendUnfulfilledCommands: false,
  retryStrategy: reconnectDelay,
  reconnectOnError: (err) => err.message.includes('READONLY'),
};

/** The command connection for the configured deployment; not connected yet (`lazyConnect`). */
export function createClient(o: ConnectionOptions): Client {
  if (o.cluster) {
    const options = o.cluster.options ?? {};
    const { retryStrategy: _ignored, ...nodeDefaults } = COMMAND_DEFAULTS;
    return new Cluster(o.cluster.nodes, {
      clusterRetryStrategy: reconnectDelay,
      ...options,
      redisOptions: { ...nodeDefaults, ...options.redisOptions },
      lazyConnect: true,
    });
  }
  const options: RedisOptions = { ...COMMAND_DEFAULTS, ...o.redis, lazyConnect: true };
  return o.url ? new Redis(o.url, options) : new Redis(options);
}

/**
 * Installs the listeners every client needs: an `error` listener (an
 * unhandled one would only be logged by ioredis, but errors belong in the
 * store's status events), status reporting, and the switch that turns the
 * offline queue off once connected — before that, commands issued while
 * connecting (start()) wait for the connection.
 */
export function watchClient(client: Client, connection: ConnectionRole, report: (e: StatusEvent) => void): void {
  client.on('ready', () => {
    client.options.enableOfflineQueue = false;
    report({ connection, status: 'ready' });
  });
  client.on('reconnecting', (delay: unknown) => {
    report(typeof delay === 'number' ? { connection, status: 'reconnecting', delay } : { connection, status: 'reconnecting' });
  });
  client.on('error', (error: Error) => report({ connection, status: 'error', error }));
  client.on('end', () => report({ connection, status: 'end' }));
  if (client instanceof Cluster) {
    client.on('node error', (error: Error) => report({ connection, status: 'error', error }));
  }
}

/**
 * QUIT when connected, otherwise drop the socket; resolves once the client
 * is done (no socket, no reconnect timer). Never throws.
 */
export async function closeClient(client: Client): Promise<void> {
  const status = client.status;
  if (status === 'end') return;
  if (status === 'wait' || status === 'reconnecting' || status === 'close') {
    // No socket to wait for: disconnect() just cancels the reconnect timer.
    client.disconnect();
    return;
  }
  const ended = new Promise<void>((resolve) => {
    // Bounded: a client stuck in some odd state must not hold up shutdown.
    const timer = setTimeout(resolve, 2000);
    timer.unref();
    client.once('end', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  if (status === 'ready') await client.quit().catch(() => client.disconnect());
  else client.disconnect();
  await ended;
}

const TIMED = Symbol('nonstick.timed');

/**
 * Times every command sent on `client`: its `sendCommand` is wrapped so
 * each command's promise reports the time from being sent to its reply
 * (pipelined and scripted commands included; a command re-sent from the
 * offline queue is timed from its first send). The cost is one
 * performance.now() and one promise reaction per command, nothing on the
 * reply path itself.
 */
export function timeCommands(client: Client, observe: (seconds: number) => void): void {
  type Sender = (command: { promise: Promise<unknown>; [TIMED]?: true }, ...rest: unknown[]) => unknown;
  const target = client as unknown as { sendCommand: Sender };
  const send = target.sendCommand;
  target.sendCommand = function (this: unknown, command, ...rest) {
    if (command && !command[TIMED] && command.promise !== undefined) {
      command[TIMED] = true;
      const t0 = performance.now();
      const done = (): void => {
        try {
          observe((performance.now() - t0) / 1000);
        } catch {
          // metrics must never break a command
        }
      };
      command.promise.then(done, done);
    }
    return send.call(this, command, ...rest);
  };
}
