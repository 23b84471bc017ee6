/**
 * A private redis-server per test (file), so tests can kill and restart it.
 *
 * Bound to 127.0.0.1 on a free port, no persistence (`--save '' --appendonly
 * no`) and its own temp `--dir`, so nothing touches the system Redis on 6379
 * and a restart really loses data (that is what restart tests want to see).
 */
import { spawnChild } from './children.js';
import type { Child } from './children.js';
import { redisRawCommand } from './net.js';
import { findBinary, makeTempDir } from './paths.js';
import type { TempDir } from './paths.js';
import { freePort, isAddrInUse } from './ports.js';

const HOST = '127.0.0.1';

export interface StartRedisOptions {
  /** Fixed port (default: a free one). Mostly for tests of this module. */
  port?: number;
  /** Extra redis-server arguments, e.g. `['--maxmemory', '50mb']`. */
  args?: readonly string[];
  /** Label in failure messages (default "redis"). */
  name?: string;
  /** How long to wait for PONG (default 10 s). */
  startTimeoutMs?: number;
}

export interface RedisProcess {
  readonly host: string;
  readonly port: number;
  /** `redis://127.0.0.1:PORT` */
  readonly url: string;
  /** Working directory (`--dir`); removed by stop(). */
  readonly dir: string;
  /** True while a server process is up (false after kill/stop until restart). */
  readonly running: boolean;
  /** The current redis-server process (changes on restart), for `tail()` etc. */
  readonly child: Child;
  /** Graceful shutdown (SIGTERM, no save) and removal of the temp dir. Idempotent. */
  stop(): Promise<void>;
  /** SIGKILL, like a crash; resolves once the process is gone. Port and dir are kept for restart(). */
  kill(): Promise<void>;
  /** Start again on the same port (stopping first if running); data is gone. */
  restart(): Promise<void>;
  /** FLUSHALL on the running server. */
  flushAll(): Promise<void>;
}

/** redis-server binary: $NONSTICK_REDIS_SERVER, /usr/bin/redis-server, or PATH. */
export function redisServerBinary(): string {
  return findBinary('redis-server', 'NONSTICK_REDIS_SERVER', ['/usr/bin/redis-server', '/usr/local/bin/redis-server']);
}

/** Spawn redis-server and wait for PONG; throws (with its output) if it exits or times out. */
async function launch(port: number, dir: string, opts: StartRedisOptions): Promise<Child> {
  const child = spawnChild(
    redisServerBinary(),
    [
      '--port',
      String(port),
      '--bind',
      HOST,
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
      '--daemonize',
      'no',
      '--logfile',
      '', // log to stdout, captured for failure messages
      ...(opts.args ?? []),
    ],
    { name: opts.name ?? `redis:${port}`, cwd: dir },
  );
  const deadline = Date.now() + (opts.startTimeoutMs ?? 10_000);
  for (;;) {
    if (child.exited) {
      await child.waitForExit(); // let the last lines ("Address already in use") drain
      const err = new Error(`redis-server on port ${port} exited during startup\n${child.tail()}`);
      if (child.lines().some((l) => isAddrInUse(l))) (err as NodeJS.ErrnoException).code = 'EADDRINUSE';
      throw err;
    }
    const reply = await redisRawCommand(HOST, port, ['PING'], 500).catch(() => '');
    if (reply === '+PONG') return child;
    if (Date.now() > deadline) {
      await child.stop(1_000);
      throw new Error(`redis-server on port ${port} did not answer PING in time\n${child.tail()}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

class Redis implements RedisProcess {
  readonly host = HOST;
  readonly url: string;
  private temp: TempDir;
  private current: Child;
  private stopped = false;

  constructor(
    readonly port: number,
    temp: TempDir,
    child: Child,
    private readonly opts: StartRedisOptions,
  ) {
    this.url = `redis://${HOST}:${port}`;
    this.temp = temp;
    this.current = child;
  }

  get dir(): string {
    return this.temp.path;
  }

  get running(): boolean {
    return !this.current.exited;
  }

  get child(): Child {
    return this.current;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    // SIGTERM = SHUTDOWN; with no save points configured nothing is written.
    await this.current.stop(5_000, 'SIGTERM');
    this.temp.remove();
  }

  async kill(): Promise<void> {
    this.current.killGroup('SIGKILL');
    await this.current.waitForExit();
  }

  async restart(): Promise<void> {
    if (this.running) await this.current.stop(5_000, 'SIGTERM');
    if (this.stopped) {
      this.temp = makeTempDir('redis');
      this.stopped = false;
    }
    // Redis binds with SO_REUSEADDR, so TIME_WAIT is no obstacle; but another
    // process may have grabbed the port meanwhile. Retry briefly, then give up
    // (a restart on a *different* port would defeat the test).
    let lastErr: unknown;
    for (let attempt = 0; attempt < 10; attempt++) {
      try {
        this.current = await launch(this.port, this.dir, this.opts);
        return;
      } catch (err) {
        lastErr = err;
        if (!isAddrInUse(err)) break;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    throw lastErr;
  }

  async flushAll(): Promise<void> {
    const reply = await redisRawCommand(HOST, this.port, ['FLUSHALL']);
    if (reply !== '+OK') throw new Error(`FLUSHALL on ${this.url} failed: ${reply}`);
  }
}

/** Start a private redis-server on a free 127.0.0.1 port; resolves once it answers PING. */
export async function startRedis(opts: StartRedisOptions = {}): Promise<RedisProcess> {
  const temp = makeTempDir('redis');
  let lastErr: unknown;
  // A free port can be taken between probing and binding: retry with another.
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = opts.port ?? (await freePort(HOST));
    try {
      const child = await launch(port, temp.path, opts);
      return new Redis(port, temp, child, opts);
    } catch (err) {
      lastErr = err;
      if (opts.port !== undefined || !isAddrInUse(err)) break;
    }
  }
  temp.remove();
  throw lastErr;
}
