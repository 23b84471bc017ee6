/**
 * A private redis-server for tests: 127.0.0.1 on a free port, no persistence
 * (`--save '' --appendonly no`), its own temp dir. Never the system Redis.
 *
 * The child is killed by `stop()`, and as a last resort when this process
 * exits; on Linux it also gets a parent-death signal (setpriv --pdeathsig) so
 * it dies even if the test process is SIGKILLed.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const HOST = '127.0.0.1';
const BINARY = process.env['NONSTICK_REDIS_SERVER'] ?? '/usr/bin/redis-server';

export interface RedisServer {
  readonly host: string;
  readonly port: number;
  readonly url: string;
  readonly dir: string;
  /** SIGKILL, like a crash; port and dir are kept for `start()`. */
  kill(): Promise<void>;
  /** Start (again) on the same port; after a kill the data is gone. */
  start(): Promise<void>;
  /** Kill and remove the temp dir. Idempotent. */
  stop(): Promise<void>;
  /** Recent output, for failure messages. */
  output(): string;
}

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

let setpriv: boolean | undefined;
function hasSetpriv(): boolean {
  setpriv ??= process.platform === 'linux' && spawnSync('setpriv', ['--pdeathsig', 'KILL', '--', 'true']).status === 0;
  return setpriv;
}

/**
 * Random ports below the kernel's ephemeral range: a port from listen(0)
 * comes from the range outgoing connections also draw from, and could be
 * taken as some socket's source port before redis-server binds it (or
 * re-binds it after a restart).
 */
function ephemeralLow(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > 12_000 ? low : 32_768;
  } catch {
    return 32_768;
  }
}
const LOW = ephemeralLow();
const handedOut = new Set<number>();

function probe(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ host: HOST, port, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 10_000 + Math.floor(Math.random() * (LOW - 10_000));
    if (!handedOut.has(port) && (await probe(port))) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error('no free port');
}

/** One inline command over a fresh socket; resolves with the first reply line ('' on any failure). */
export function rawCommand(port: number, command: string, timeoutMs = 500): Promise<string> {
  return new Promise((resolve) => {
    const sock = connect(port, HOST);
    let buf = '';
    const done = (v: string): void => {
      clearTimeout(timer);
      sock.destroy();
      resolve(v);
    };
    const timer = setTimeout(() => done(''), timeoutMs);
    sock.on('error', () => done(''));
    sock.on('connect', () => sock.write(`${command}\r\n`));
    sock.on('data', (d) => {
      buf += d.toString();
      const nl = buf.indexOf('\r\n');
      if (nl !== -1) done(buf.slice(0, nl));
    });
  });
}

export interface StartOptions {
  /** Extra arguments after the defaults, e.g. `['--cluster-enabled', 'yes']`. */
  args?: readonly string[];
  /** Config file text, written to the temp dir and passed first (Sentinel needs a writable one). */
  config?: string;
}

export async function startRedisServer(options: StartOptions = {}): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), 'nonstick-redis-'));
  const first: string[] = [];
  if (options.config !== undefined) {
    const file = join(dir, 'redis.conf');
    writeFileSync(file, options.config);
    first.push(file);
  }
  const extraArgs = options.args ?? [];
  let port = await freePort();
  let child: ChildProcess | null = null;
  let lines: string[] = [];
  let removed = false;

  const launch = async (): Promise<void> => {
    const args = [...first, '--port', String(port), '--bind', HOST, '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no', ...extraArgs];
    const proc = hasSetpriv()
      ? spawn('setpriv', ['--pdeathsig', 'KILL', '--', BINARY, ...args], { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir })
      : spawn(BINARY, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir });
    child = proc;
    live.add(proc);
    let exited = false;
    const gone = (): void => {
      exited = true;
      live.delete(proc);
    };
    proc.once('exit', gone);
    proc.once('error', (err) => {
      lines.push(`spawn failed: ${err.message}`);
      gone();
    });
    const keep = (d: Buffer): void => {
      lines.push(...d.toString().split('\n').filter(Boolean));
      if (lines.length > 100) lines = lines.slice(-100);
    };
    proc.stdout?.on('data', keep);
    proc.stderr?.on('data', keep);
    const deadline = Date.now() + 10_000;
    while (!exited) {
      if ((await rawCommand(port, 'PING')) === '+PONG') return;
      if (Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    proc.kill('SIGKILL');
    const err = new Error(`redis-server on port ${port} did not start:\n${lines.slice(-20).join('\n')}`);
    (err as NodeJS.ErrnoException).code = lines.some((l) => l.includes('Address already in use')) ? 'EADDRINUSE' : 'ESTART';
    throw err;
  };

  const kill = async (): Promise<void> => {
    const proc = child;
    child = null;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const gone = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGKILL');
    await gone;
  };

  // A port probed free can be taken before redis binds it: retry with another.
  for (let attempt = 0; ; attempt++) {
    try {
      await launch();
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= 4) {
        rmSync(dir, { recursive: true, force: true });
        throw err;
      }
      port = await freePort();
    }
  }

  return {
    host: HOST,
    get port() {
      return port;
    },
    get url() {
      return `redis://${HOST}:${port}`;
    },
    dir,
    kill,
    async start() {
      await kill();
      // Same port on purpose (clients reconnect to it); it may take a moment to be bindable again.
      for (let attempt = 0; ; attempt++) {
        try {
          return await launch();
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= 20) throw err;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    },
    async stop() {
      await kill();
      if (!removed) rmSync(dir, { recursive: true, force: true });
      removed = true;
    },
    output: () => lines.join('\n'),
  };
}
