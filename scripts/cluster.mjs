#!/usr/bin/env node
// `pnpm cluster [--workers N] [--port P]`: a whole Nonstick cluster on this
// machine, for trying it out: Redis, N workers (the chat demo, or your app
// with --app) and nginx running the project's own deploy/nginx/nginx.conf
// (plain round robin, no stickiness).
//
//   --workers N      workers to start (default 3)
//   --port P         nginx listen port (default $PORT or 8080; 0 = any free port)
//   --host H         nginx listen address (default 127.0.0.1)
//   --redis-port P   port for the redis-server this script starts (default: a free one)
//   --demo NAME      demo app the workers serve (default chat)
//   --app FILE       your app instead of a demo (the worker's --app; relative
//                    to the directory pnpm was run from)
//   NONSTICK_APP / NONSTICK_DEMO in the environment stand for --app / --demo
//   --help
// Any other argument is a worker flag (`nonstick --help`), given to every
// worker: `pnpm cluster -- --app ./my-app.js --ping-interval 10000`. A `--`
// (pnpm passes it on) is skipped. Port, host, Redis URL and worker id are the
// script's to set.
//
// With REDIS_URL set, that Redis is used and no redis-server is started.
// Workers listen on 127.0.0.1 on free ports picked here. Everything runs in a
// temp dir (nginx prefix, redis --dir) that is removed on exit.
//
// Output: human-readable URLs on stderr, and one JSON line on stdout once
// everything accepts connections:
//   {"event":"cluster-ready","url":"http://127.0.0.1:8080/","port":8080,
//    "workers":[{"id","pid","port","url"}],"redis":{"url","pid"},
//    "nginx":{"pid","prefix"},"tempDir":"...","pid":<this script>}
// then {"event":"cluster-stopped","code":N} when it has shut down.
//
// Stops on SIGINT (Ctrl-C), SIGTERM or SIGHUP: nginx first, then the workers
// (SIGTERM, their graceful stop), then Redis; whatever does not exit within
// 5 s is SIGKILLed with its whole process group. Every child runs in its own
// process group; a tiny `sh` watchdog kills those groups even if this script
// is SIGKILLed. It does not read stdin, so it keeps running without a TTY.
// A worker that dies on its own is restarted on its port (so nginx's upstream
// list stays right), with a log line on stderr and
//   {"event":"worker-restarted","name","id","pid","port","restarts"}
// on stdout once it listens again; one that dies 5 times within a minute
// stops the cluster. If Redis or nginx dies, the whole cluster is stopped
// (exit code 1).
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants as fsConstants, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(root, 'packages', 'nonstick', 'dist', 'src', 'bin.js');
const NGINX_CONF = join(root, 'deploy', 'nginx', 'nginx.conf');
const LOOPBACK = '127.0.0.1';
const STOP_TIMEOUT_MS = 5_000;
const START_TIMEOUT_MS = 30_000;

const USAGE = `Usage: pnpm cluster [--workers N] [--port P] [--host H] [--redis-port P] [--demo NAME | --app FILE] [worker flags]

  --workers N     workers to start (default 3)
  --port P        nginx listen port (default $PORT or 8080; 0 = any free port)
  --host H        nginx listen address (default 127.0.0.1)
  --redis-port P  port of the redis-server started here (default: a free one)
  --demo NAME     demo app the workers serve (default chat)
  --app FILE      your app instead of a demo: a .js/.mjs/.cjs module exporting setup(io)

Any other flag goes to every worker (see \`nonstick --help\`), e.g.
  pnpm cluster -- --app ./my-app.js --ping-interval 10000
REDIS_URL set: use that Redis instead of starting one.
`;

/** Worker settings this script decides for every worker; a worker flag may not change them. */
const CLUSTER_OWNED = {
  port: '--port is the nginx port here; workers get free ports',
  host: 'workers listen on 127.0.0.1',
  'redis-url': 'set REDIS_URL instead',
  'worker-id': 'each worker needs its own id',
};

// ---------------------------------------------------------------- arguments

function fail(msg, code = 2) {
  process.stderr.write(`cluster: ${msg}\n`);
  process.exit(code);
}

function parseArgs(argv) {
  const opts = { workers: 3, port: undefined, host: LOOPBACK, redisPort: undefined, demo: undefined, app: undefined, workerArgs: [] };
  const int = (name, raw, min) => {
    const n = Number(raw);
    if (raw === undefined || raw === '' || !Number.isInteger(n) || n < min || n > 65535)
      fail(`--${name} needs an integer >= ${min}, got ${JSON.stringify(raw)}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i];
    let value;
    const eq = arg.indexOf('=');
    if (arg.startsWith('--') && eq !== -1) {
      value = arg.slice(eq + 1);
      arg = arg.slice(0, eq);
    }
    const next = () => (value !== undefined ? value : argv[++i]);
    switch (arg) {
      case '--':
        break; // pnpm < 7 style separator
      case '-h':
      case '--help':
        process.stdout.write(USAGE);
        process.exit(0);
        break;
      case '--workers':
        opts.workers = int('workers', next(), 1);
        break;
      case '--port':
        opts.port = int('port', next(), 0);
        break;
      case '--host':
        opts.host = next() ?? fail('--host needs a value');
        break;
      case '--redis-port':
        opts.redisPort = int('redis-port', next(), 1);
        break;
      case '--demo':
        opts.demo = next() ?? fail('--demo needs a value');
        break;
      case '--app':
        opts.app = next() ?? fail('--app needs a file');
        break;
      default: {
        // A worker flag (or its value), passed on as given; the worker's own parser checks it (see checkWorkerArgs).
        const name = /^--(?:no-)?([^=]+)/.exec(argv[i])?.[1];
        if (name !== undefined && Object.hasOwn(CLUSTER_OWNED, name)) fail(`${argv[i]}: not a worker flag here (${CLUSTER_OWNED[name]})`);
        opts.workerArgs.push(argv[i]);
      }
    }
  }
  if (opts.app === undefined && opts.demo === undefined) {
    // As a worker would take them; the workers get the choice as a flag (see startWorker).
    opts.app = process.env.NONSTICK_APP || undefined;
    opts.demo = process.env.NONSTICK_DEMO || undefined;
  }
  if (opts.app !== undefined && opts.demo !== undefined) fail('--app and --demo are mutually exclusive: --app runs your app on every worker instead of a demo');
  if (opts.app !== undefined) {
    // pnpm runs scripts in the package root; INIT_CWD is where `pnpm cluster` was typed.
    const base = process.env.npm_lifecycle_event === 'cluster' && process.env.INIT_CWD ? process.env.INIT_CWD : process.cwd();
    const file = resolve(base, opts.app);
    if (!existsSync(file)) fail(`--app ${opts.app}: no such file (${file})`);
    opts.app = file;
  }
  if (opts.port === undefined) opts.port = process.env.PORT ? int('port (PORT)', process.env.PORT, 0) : 8080;
  return opts;
}

// ---------------------------------------------------------------- helpers

function isExecutable(p) {
  try {
    accessSync(p, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** $ENV override, well-known absolute paths, then PATH. */
function findBinary(name, envVar, candidates) {
  if (process.env[envVar]) return process.env[envVar];
  for (const c of candidates) if (isExecutable(c)) return c;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) if (dir && isExecutable(join(dir, name))) return join(dir, name);
  return undefined;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function canConnect(host, port, timeoutMs = 500) {
  return new Promise((resolve) => {
    const sock = connect({ host, port });
    const done = (ok) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(timeoutMs, () => done(false));
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}

function redisPing(host, port, timeoutMs = 500) {
  return new Promise((resolve) => {
    const sock = connect({ host, port });
    let buf = '';
    const done = (ok) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(timeoutMs, () => done(false));
    sock.once('error', () => done(false));
    sock.once('connect', () => sock.write('*1\r\n$4\r\nPING\r\n'));
    sock.setEncoding('utf8');
    sock.on('data', (c) => {
      buf += c;
      if (buf.includes('\r\n')) done(buf.startsWith('+PONG'));
    });
  });
}

/**
 * A port that was free a moment ago. Random ports below the kernel's
 * ephemeral range (see test/src/support/ports.ts for why not listen(0)).
 */
const handedOut = new Set();
async function freePort(host) {
  let low;
  try {
    low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
  } catch {
    low = undefined;
  }
  const high = low && low - 10_000 >= 2_000 ? low : undefined;
  for (let attempt = 0; attempt < 100; attempt++) {
    const candidate = high ? 10_000 + Math.floor(Math.random() * (high - 10_000)) : 0;
    if (handedOut.has(candidate)) continue;
    const port = await new Promise((resolve) => {
      const srv = createServer();
      srv.unref();
      srv.once('error', () => resolve(undefined));
      srv.listen({ host, port: candidate, exclusive: true }, () => {
        const a = srv.address();
        srv.close(() => resolve(typeof a === 'object' && a ? a.port : undefined));
      });
    });
    if (port !== undefined && !handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`no free port on ${host}`);
}

// ---------------------------------------------------------------- children

/**
 * The watchdog reads "+PGID"/"-PGID" lines and, on EOF (we exited, however),
 * SIGKILLs every group still listed. Detached and deaf to terminal signals.
 */
const WATCHDOG_SCRIPT = `set -f
trap '' INT TERM HUP
groups=' '
while IFS= read -r line; do
  g=\${line#?}
  case "$line" in
    +*) groups="$groups$g " ;;
    -*) next=' '; for x in $groups; do [ "$x" = "$g" ] || next="$next$x "; done; groups=$next ;;
  esac
done
for g in $groups; do kill -s KILL -- "-$g" 2>/dev/null; done
`;
let watchdog = null;
if (process.platform !== 'win32' && isExecutable('/bin/sh')) {
  watchdog = spawn('/bin/sh', ['-c', WATCHDOG_SCRIPT], { stdio: ['pipe', 'ignore', 'ignore'], detached: true });
  watchdog.on('error', () => (watchdog = null));
  watchdog.stdin.on('error', () => {});
  watchdog.unref();
  watchdog.stdin.unref?.();
}

/** Every child started, in start order. */
const children = [];
let shuttingDown = false;

/** Prefix each line of `stream` with the child's name on our stderr. */
function relay(stream, name, onLine) {
  let buf = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk) => {
    buf += chunk;
    let nl;
    while ((nl = buf.indexOf('\n')) !== -1) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (onLine?.(line)) continue;
      if (line.trim()) process.stderr.write(`[${name}] ${line}\n`);
    }
  });
}

/**
 * Spawn in its own process group (detached), stdout/stderr relayed to our
 * stderr with a `[name]` prefix. `onStdoutLine` may swallow lines (return true).
 */
function startChild(name, cmd, args, { env, cwd, onStdoutLine, onStderrLine } = {}) {
  const proc = spawn(cmd, args, { cwd: cwd ?? root, env: env ?? process.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const child = { name, proc, pid: proc.pid, exited: false, exit: null, expectedExit: false };
  // 'exit' can come before the last output lines; 'close' comes after them.
  child.closed = new Promise((resolve) => proc.once('close', resolve));
  child.done = new Promise((resolve) => {
    proc.once('exit', (code, signal) => {
      child.exited = true;
      child.exit = { code, signal };
      // Anything left in its group (e.g. nginx workers after a crashed master) goes too.
      killGroup(child, 'SIGKILL');
      watchdog?.stdin?.write(`-${child.pid}\n`);
      resolve(child.exit);
      if (!shuttingDown && !child.expectedExit) (child.onUnexpectedExit ?? stopOnExit)(child);
    });
    proc.once('error', (err) => {
      if (!child.exited) {
        child.exited = true;
        child.exit = { code: null, signal: null, error: err };
        resolve(child.exit);
        if (!shuttingDown) {
          process.stderr.write(`cluster: cannot start ${name} (${cmd}): ${err.message}\n`);
          void shutdown(1);
        }
      }
    });
  });
  if (proc.pid !== undefined) {
    watchdog?.stdin?.write(`+${proc.pid}\n`);
    children.push(child);
  }
  relay(proc.stdout, name, onStdoutLine);
  relay(proc.stderr, name, onStderrLine);
  return child;
}

function describeExit(exit) {
  return exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`;
}

function stopOnExit(child) {
  process.stderr.write(`cluster: ${child.name} exited unexpectedly (${describeExit(child.exit)}); stopping the cluster\n`);
  void shutdown(1);
}

function killGroup(child, signal) {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    /* group already gone */
  }
}

/** SIGTERM (or `signal`) the child, SIGKILL its group after the timeout. */
async function stopChild(child, signal = 'SIGTERM') {
  if (!child.exited) {
    child.expectedExit = true;
    try {
      child.proc.kill(signal);
    } catch {
      /* gone */
    }
    const timer = setTimeout(() => killGroup(child, 'SIGKILL'), STOP_TIMEOUT_MS);
    await child.done;
    clearTimeout(timer);
  }
  killGroup(child, 'SIGKILL');
}

// ---------------------------------------------------------------- cluster

let tempDir;
const state = { redis: null, workers: [], nginx: null };

async function startRedis(opts) {
  if (process.env.REDIS_URL) return { url: process.env.REDIS_URL, pid: null, child: null };
  const bin = findBinary('redis-server', 'NONSTICK_REDIS_SERVER', ['/usr/bin/redis-server', '/usr/local/bin/redis-server']);
  if (!bin) throw new Error('redis-server not found (install it, or set REDIS_URL to an existing Redis)');
  const dir = join(tempDir, 'redis');
  mkdirSync(dir);
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = opts.redisPort ?? (await freePort(LOOPBACK));
    const child = startChild(
      'redis',
      bin,
      ['--port', String(port), '--bind', LOOPBACK, '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no', '--logfile', ''],
      { cwd: dir },
    );
    child.expectedExit = true; // during startup a failed bind is handled here
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      if (child.exited) break;
      if (await redisPing(LOOPBACK, port)) {
        child.expectedExit = false;
        return { url: `redis://${LOOPBACK}:${port}`, pid: child.pid, child };
      }
      if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not answer PING in time`);
      await sleep(20);
    }
    if (opts.redisPort !== undefined) throw new Error(`redis-server could not start on port ${opts.redisPort}`);
  }
  throw new Error('redis-server did not start');
}

function startWorker(index, opts, redisUrl, port = 0) {
  const name = `worker-${index + 1}`;
  const env = { ...process.env, REDIS_URL: redisUrl };
  // The flags below decide port, host and app; don't let the cluster's environment leak in.
  delete env.PORT;
  delete env.HOST;
  delete env.NONSTICK_APP;
  delete env.NONSTICK_DEMO;
  let resolveListening;
  const listening = new Promise((r) => (resolveListening = r));
  // Workers listen on loopback behind the nginx started here, which sets X-Forwarded-For/-Proto.
  const app = opts.app !== undefined ? ['--app', opts.app] : ['--demo', opts.demo ?? 'chat'];
  const args = [BIN, ...app, '--trust-proxy', ...opts.workerArgs, '--port', String(port), '--host', LOOPBACK];
  const child = startChild(name, process.execPath, args, {
    env,
    onStderrLine: (line) => {
      if (!line.startsWith('{')) return;
      try {
        const ev = JSON.parse(line);
        if (ev?.msg === 'worker failed to start') child.startError = String(ev.message);
      } catch {
        /* not JSON */
      }
    },
    onStdoutLine: (line) => {
      if (!line.startsWith('{')) return false;
      try {
        const ev = JSON.parse(line);
        if (ev?.event === 'listening') {
          resolveListening(ev);
          return true;
        }
      } catch {
        /* not JSON: relay it */
      }
      return false;
    },
  });
  return {
    child,
    ready: Promise.race([
      listening,
      child.done.then((e) => Promise.reject(new Error(`${name} exited during startup (${e.signal ? `signal ${e.signal}` : `code ${e.code}`})`))),
      sleep(START_TIMEOUT_MS).then(() => Promise.reject(new Error(`${name} did not start listening in ${START_TIMEOUT_MS} ms`))),
    ]).then((ev) => ({ id: ev.workerId, pid: child.pid, port: ev.port, url: `http://${LOOPBACK}:${ev.port}/` })),
  };
}

/**
 * A worker on a port picked here, below the kernel's ephemeral range: a port
 * the kernel picked (listen on 0) cannot be bound again while the dead
 * worker's connections sit in TIME_WAIT, so a restart there would fail for a
 * minute. A port lost to a race before the worker listens is replaced.
 */
async function startWorkerOnFreePort(index, opts, redisUrl) {
  for (let attempt = 1; ; attempt++) {
    const started = startWorker(index, opts, redisUrl, await freePort(LOOPBACK));
    started.child.expectedExit = true;
    try {
      const w = await started.ready;
      started.child.expectedExit = false;
      return { child: started.child, worker: w };
    } catch (err) {
      if (started.child.exited) await started.child.closed;
      // Only a port lost to a race is worth another try; any other failure (a bad flag, a broken --app) would fail again.
      if (attempt >= 5 || !started.child.exited || !/^cannot listen on /.test(started.child.startError ?? '')) throw err;
    }
  }
}

// ---------------------------------------------------------------- supervision

const RESTART_WINDOW_MS = 60_000;
const MAX_RESTARTS = 5;

/** From now on, a death of the slot's worker restarts it instead of stopping the cluster. */
function supervise(slot, opts, redisUrl) {
  slot.child.onUnexpectedExit = (dead) => void restartWorker(slot, dead, opts, redisUrl);
}

/**
 * The same port again: nginx keeps sending there and needs no reload. Quick
 * deaths back off (0.25 s, doubling); too many in a minute is a crash loop
 * that restarting cannot fix.
 */
async function restartWorker(slot, dead, opts, redisUrl) {
  const now = Date.now();
  slot.restarts = slot.restarts.filter((t) => now - t < RESTART_WINDOW_MS);
  if (slot.restarts.length >= MAX_RESTARTS) {
    process.stderr.write(
      `cluster: ${dead.name} died ${MAX_RESTARTS + 1} times within ${RESTART_WINDOW_MS / 1000} s (last: ${describeExit(dead.exit)}); stopping the cluster\n`,
    );
    void shutdown(1);
    return;
  }
  const delay = slot.restarts.length === 0 ? 0 : 250 * 2 ** (slot.restarts.length - 1);
  slot.restarts.push(now);
  slot.total++;
  process.stderr.write(`cluster: ${dead.name} (pid ${dead.pid}) exited unexpectedly (${describeExit(dead.exit)}); restarting it on port ${slot.port}\n`);
  await sleep(delay);
  if (shuttingDown) return;
  const next = startWorker(slot.index, opts, redisUrl, slot.port);
  slot.child = next.child;
  supervise(slot, opts, redisUrl);
  let w;
  try {
    w = await next.ready;
  } catch (err) {
    process.stderr.write(`cluster: ${err.message}\n`);
    // Hung in startup: its death restarts it again (or ends a crash loop).
    if (!next.child.exited) killGroup(next.child, 'SIGKILL');
    return;
  }
  if (shuttingDown) return;
  process.stderr.write(`cluster: ${next.child.name} is back (pid ${w.pid}, id ${w.id}, ${w.url})\n`);
  process.stdout.write(
    `${JSON.stringify({ event: 'worker-restarted', name: next.child.name, id: w.id, pid: w.pid, port: w.port, url: w.url, restarts: slot.total })}\n`,
  );
}

async function startNginx(opts, workers) {
  const bin = findBinary('nginx', 'NONSTICK_NGINX', ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/local/nginx/sbin/nginx']);
  if (!bin) throw new Error('nginx not found (apt-get install nginx)');
  const prefix = join(tempDir, 'nginx');
  mkdirSync(prefix);
  // The project's config, unchanged; its relative includes resolve to the two files written here.
  copyFileSync(NGINX_CONF, join(prefix, 'nginx.conf'));
  writeFileSync(join(prefix, 'upstream.conf'), `# written by scripts/cluster.mjs\n${workers.map((w) => `server ${LOOPBACK}:${w.port};`).join('\n')}\n`);
  const errorLog = join(prefix, 'error.log');
  const global = ['daemon off;', `pid ${join(prefix, 'nginx.pid')};`, `error_log ${errorLog} warn;`, process.getuid?.() === 0 ? 'user root;' : '']
    .filter(Boolean)
    .join(' ');
  const hostPart = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = opts.port === 0 ? await freePort(opts.host) : opts.port;
    writeFileSync(join(prefix, 'listen.conf'), `listen ${hostPart}:${port};\n`);
    const child = startChild('nginx', bin, ['-p', `${prefix}/`, '-c', join(prefix, 'nginx.conf'), '-e', errorLog, '-g', global], { cwd: prefix });
    child.expectedExit = true;
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      if (child.exited) break;
      if (await canConnect(opts.host, port)) {
        child.expectedExit = false;
        return { child, pid: child.pid, port, prefix };
      }
      if (Date.now() > deadline) throw new Error(`nginx did not accept connections on ${port} in time`);
      await sleep(20);
    }
    await child.done;
    let log = '';
    try {
      log = readFileSync(errorLog, 'utf8');
    } catch {
      /* none */
    }
    if (opts.port !== 0 || !/Address already in use/.test(log)) throw new Error(`nginx exited during startup${log ? `:\n${log.trim()}` : ''}`);
  }
  throw new Error('nginx did not start');
}

/** Worker flags given to the script, checked by the worker's own parser before anything starts. */
async function checkWorkerArgs(workerArgs) {
  if (workerArgs.length === 0) return;
  const { loadConfig } = await import(pathToFileURL(join(root, 'packages', 'nonstick', 'dist', 'src', 'config.js')).href);
  try {
    loadConfig(workerArgs, {});
  } catch (err) {
    fail(`worker flags ${workerArgs.join(' ')}: ${err.message.replace(' (see --help)', '')} (see \`node packages/nonstick/dist/src/bin.js --help\`)`);
  }
}

let stopping = null;
function shutdown(code) {
  if (stopping) return stopping;
  shuttingDown = true;
  stopping = (async () => {
    // The balancer first (no new requests), then the workers (they finish
    // what is in flight and need Redis for that), then Redis.
    if (state.nginx) await stopChild(state.nginx.child);
    await Promise.all(state.workers.map((w) => stopChild(w.child)));
    if (state.redis?.child) await stopChild(state.redis.child);
    // Anything started but not yet known to `state` (startup failures).
    await Promise.all(children.map((c) => stopChild(c)));
    if (tempDir) rmSync(tempDir, { recursive: true, force: true });
    process.stdout.write(`${JSON.stringify({ event: 'cluster-stopped', code })}\n`);
    watchdog?.stdin?.end();
    process.exitCode = code;
    process.exit(code);
  })();
  return stopping;
}

/** Last resort when we exit without shutdown() (uncaught error): kill every group, remove the temp dir. */
process.on('exit', () => {
  for (const c of children) if (!c.exited) killGroup(c, 'SIGKILL');
  if (tempDir) rmSync(tempDir, { recursive: true, force: true });
});
let signals = 0;
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    signals++;
    if (signals === 1) {
      process.stderr.write(`\ncluster: ${sig}, stopping nginx, workers and Redis...\n`);
      void shutdown(0);
    } else {
      // Impatient second Ctrl-C: kill everything now.
      for (const c of children) killGroup(c, 'SIGKILL');
      if (tempDir) rmSync(tempDir, { recursive: true, force: true });
      process.exit(130);
    }
  });
}
process.on('uncaughtException', (err) => {
  process.stderr.write(`cluster: ${err?.stack ?? err}\n`);
  void shutdown(1);
});

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (!existsSync(BIN)) {
    process.stderr.write('cluster: building (packages/nonstick/dist is missing)...\n');
    const turbo = join(root, 'node_modules', '.bin', 'turbo');
    const r = spawnSync(turbo, ['run', 'build', '--filter=nonstick...', '--output-logs=errors-only'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
    if (r.status !== 0 || !existsSync(BIN)) fail(`build failed; run \`pnpm install && pnpm build\` first`, 1);
  }
  await checkWorkerArgs(opts.workerArgs);
  tempDir = mkdtempSync(join(tmpdir(), 'nonstick-cluster-'));

  state.redis = await startRedis(opts);
  const started = await Promise.all(Array.from({ length: opts.workers }, (_, i) => startWorkerOnFreePort(i, opts, state.redis.url)));
  const workers = started.map((s) => s.worker);
  state.workers = started.map((s, index) => ({ index, child: s.child, port: s.worker.port, restarts: [], total: 0 }));
  state.nginx = await startNginx(opts, workers);
  for (const slot of state.workers) supervise(slot, opts, state.redis.url);

  const shownHost = opts.host === '0.0.0.0' || opts.host === '::' ? 'localhost' : opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  const url = `http://${shownHost}:${state.nginx.port}/`;
  process.stderr.write(
    [
      '',
      `Nonstick cluster: ${workers.length} worker(s) behind nginx (round robin, no stickiness)`,
      opts.app !== undefined
        ? `  endpoint   ${url}   <- socket.io clients connect here (app ${opts.app})`
        : `  ${(opts.demo ?? 'chat') === 'chat' ? 'chat page' : 'endpoint '}  ${url}   <- open this (in two browsers to chat)`,
      ...workers.map((w, i) => `  worker ${i + 1}   ${w.url}  (id ${w.id}, pid ${w.pid})`),
      `  redis      ${state.redis.url}${state.redis.pid ? ` (pid ${state.redis.pid})` : ' (REDIS_URL, external)'}`,
      `  nginx      pid ${state.nginx.pid}, config in ${state.nginx.prefix}`,
      'A worker that dies is restarted on its port. Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );
  process.stdout.write(
    `${JSON.stringify({
      event: 'cluster-ready',
      url,
      port: state.nginx.port,
      workers,
      redis: { url: state.redis.url, pid: state.redis.pid },
      nginx: { pid: state.nginx.pid, prefix: state.nginx.prefix },
      watchdog: watchdog?.pid ?? null,
      tempDir,
      pid: process.pid,
    })}\n`,
  );
}

main().catch((err) => {
  process.stderr.write(`cluster: ${err?.message ?? err}\n`);
  void shutdown(1);
});
