/**
 * A private nginx running THE project config (deploy/nginx/nginx.conf) in
 * front of test workers.
 *
 * The config is copied unchanged into a fresh temp dir that serves as the
 * nginx prefix (-p, so its relative temp paths land there) and as the config
 * dir (so its relative `include listen.conf` / `include upstream.conf`
 * resolve to the copies we write). Everything else that would default to a
 * system path goes on the command line:
 *
 *   nginx -p <tmp>/ -c <tmp>/nginx.conf -e <tmp>/error.log \
 *     -g 'daemon off; pid <tmp>/nginx.pid; error_log <tmp>/error.log info; [user root;] <extraGlobal>'
 *
 * `daemon off` keeps the master as our direct child (registered for cleanup,
 * in its own process group so its workers die with it). The error log is at
 * `info` because that says why nginx ended a proxied connection, and takes in
 * `notice`, where nginx reports reload progress, which
 * reload() waits on; errorLog() shows only warn and above by default.
 */
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnChild } from './children.js';
import type { Child } from './children.js';
import { canConnect } from './net.js';
import { findBinary, makeTempDir, repoRoot } from './paths.js';
import type { TempDir } from './paths.js';
import { freePort, isAddrInUse } from './ports.js';

const HOST = '127.0.0.1';

export interface StartNginxOptions {
  /**
   * Workers as 'host:port'. Each entry becomes `server <entry>;`, so server
   * parameters may follow the address ('127.0.0.1:4000 max_fails=0').
   */
  upstreams: readonly string[];
  /** Extra main-context directives for -g, e.g. 'worker_shutdown_timeout 1s;'. Directives already in nginx.conf cannot be repeated. */
  extraGlobal?: string;
  /** Config to run (default: <repo>/deploy/nginx/nginx.conf). */
  configPath?: string;
  /** Label in failure messages (default "nginx:PORT"). */
  name?: string;
  /** How long to wait for the port to accept connections (default 10 s). */
  startTimeoutMs?: number;
}

export interface NginxProcess {
  readonly host: string;
  readonly port: number;
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  /** `ws://127.0.0.1:PORT` */
  readonly wsUrl: string;
  /** The temp prefix/config dir (removed by stop()). */
  readonly prefix: string;
  /** The copied nginx.conf inside `prefix`. */
  readonly confPath: string;
  /** Current upstream entries. */
  readonly upstreams: readonly string[];
  /** The nginx master process (stderr carries startup errors). */
  readonly child: Child;
  /** Rewrite upstream.conf and reload; resolves once only new workers accept connections. */
  setUpstreams(list: readonly string[]): Promise<void>;
  /** Validate the config (nginx -t), SIGHUP the master, wait until the new workers took over. */
  reload(): Promise<void>;
  /** Error log text; warn and above unless `all` (then notices too). Still available after stop(). */
  errorLog(opts?: { all?: boolean }): string;
  /** Error log (warn+) and the master's last output lines, for assertion messages. */
  diagnostics(): string;
  /** `nginx -T` output: the effective config with every include expanded. */
  dumpConfig(): Promise<string>;
  /** Fast shutdown (SIGTERM to the master, SIGKILL after 5 s) and removal of the temp dir. Idempotent. */
  stop(): Promise<void>;
}

/** nginx binary: $NONSTICK_NGINX, /usr/sbin/nginx, ..., or PATH. */
export function nginxBinary(): string {
  return findBinary('nginx', 'NONSTICK_NGINX', ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/local/nginx/sbin/nginx']);
}

/** The project's nginx config. */
export function projectNginxConf(): string {
  return join(repoRoot(), 'deploy', 'nginx', 'nginx.conf');
}

function upstreamConf(list: readonly string[]): string {
  if (list.length === 0) throw new Error('nginx: at least one upstream is required (nginx rejects an empty upstream block)');
  return `# written by test/src/support/nginx.ts\n${list.map((u) => `server ${u};`).join('\n')}\n`;
}

const SEVERE = /\[(warn|error|crit|alert|emerg)\]/;

class Nginx implements NginxProcess {
  readonly host = HOST;
  readonly confPath: string;
  private readonly errorLogPath: string;
  private current: Child | undefined;
  private list: readonly string[];
  private finalErrorLog: string | undefined;
  private stopped = false;
  /** Set by start(); changes only if a bind race forces another port. */
  port = 0;

  constructor(
    private readonly temp: TempDir,
    upstreams: readonly string[],
    private readonly opts: StartNginxOptions,
  ) {
    this.confPath = join(temp.path, 'nginx.conf');
    this.errorLogPath = join(temp.path, 'error.log');
    this.list = [...upstreams];
    copyFileSync(opts.configPath ?? projectNginxConf(), this.confPath);
    writeFileSync(join(temp.path, 'upstream.conf'), upstreamConf(this.list));
  }

  get prefix(): string {
    return this.temp.path;
  }

  get url(): string {
    return `http://${HOST}:${this.port}`;
  }

  get wsUrl(): string {
    return `ws://${HOST}:${this.port}`;
  }

  get upstreams(): readonly string[] {
    return this.list;
  }

  get child(): Child {
    if (!this.current) throw new Error('nginx: not started');
    return this.current;
  }

  /** Common -p/-c/-e/-g arguments (also used for -t and -T). */
  private args(): string[] {
    const p = this.temp.path;
    const global = [
      'daemon off;',
      `pid ${join(p, 'nginx.pid')};`,
      // info: why nginx ended a proxied connection (reload progress is at notice).
      `error_log ${this.errorLogPath} info;`,
      // As root, workers would otherwise run as nobody and could not enter
      // the 0700 temp dir. Unprivileged, workers simply keep our uid (and
      // nginx would only warn about a `user` directive), so leave it out.
      process.getuid?.() === 0 ? 'user root;' : '',
      this.opts.extraGlobal ?? '',
    ]
      .filter(Boolean)
      .join(' ');
    return ['-p', `${p}/`, '-c', this.confPath, '-e', this.errorLogPath, '-g', global];
  }

  async start(): Promise<void> {
    const deadline = Date.now() + (this.opts.startTimeoutMs ?? 10_000);
    let lastErr: unknown;
    for (let attempt = 0; attempt < 5; attempt++) {
      this.port = await freePort(HOST);
      writeFileSync(join(this.temp.path, 'listen.conf'), `listen ${HOST}:${this.port};\n`);
      const child = spawnChild(nginxBinary(), this.args(), { name: this.opts.name ?? `nginx:${this.port}`, cwd: this.temp.path });
      this.current = child;
      try {
        await this.waitListening(child, deadline);
        return;
      } catch (err) {
        lastErr = err;
        await child.stop(2_000);
        // Port stolen between probe and bind: try another one.
        if (!isAddrInUse(err)) break;
      }
    }
    throw lastErr;
  }

  private async waitListening(child: Child, deadline: number): Promise<void> {
    for (;;) {
      if (child.exited) {
        await child.waitForExit();
        throw new Error(`nginx exited during startup\n${this.diagnostics()}`);
      }
      if (await canConnect(HOST, this.port, 500)) return;
      if (Date.now() > deadline) throw new Error(`nginx did not accept connections on ${this.port} in time\n${this.diagnostics()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async setUpstreams(list: readonly string[]): Promise<void> {
    const file = join(this.temp.path, 'upstream.conf');
    const previous = readFileSync(file, 'utf8');
    writeFileSync(file, upstreamConf(list));
    try {
      await this.reload();
    } catch (err) {
      // Keep file, `upstreams` and the running config telling the same story.
      writeFileSync(file, previous);
      throw err;
    }
    this.list = [...list];
  }

  async reload(): Promise<void> {
    const master = this.child;
    if (master.exited) throw new Error(`nginx: cannot reload, master exited\n${this.diagnostics()}`);
    // Validate first: a bad config makes nginx keep the old one and only log
    // an [emerg]; `-t` gives us the reason synchronously.
    const check = spawnChild(nginxBinary(), ['-t', '-q', ...this.args()], { name: 'nginx -t' });
    const checked = await check.waitForExit(10_000);
    if (checked.code !== 0) throw new Error(`nginx: new config rejected\n${check.tail()}`);

    const before = this.readLog();
    const oldWorkers = liveWorkers(before);
    const offset = before.length;
    master.kill('SIGHUP');

    // Done when new workers were started and every old worker has stopped
    // accepting ("gracefully shutting down" = listening sockets closed) or
    // exited. Old workers may linger while they still serve open
    // connections (e.g. WebSockets); that is fine.
    const deadline = Date.now() + 10_000;
    for (;;) {
      const after = this.readLog().slice(offset);
      if (/\[emerg\]/.test(after)) throw new Error(`nginx: reload failed\n${this.diagnostics()}`);
      const started = /start worker process \d+/.test(after);
      const pending = [...oldWorkers].filter(
        (pid) => !new RegExp(`(^|\\n)\\S+ \\S+ \\[\\w+\\] ${pid}#\\d+: gracefully shutting down|worker process ${pid} exited`).test(after),
      );
      if (started && pending.length === 0) return;
      if (master.exited) throw new Error(`nginx: master exited during reload\n${this.diagnostics()}`);
      if (Date.now() > deadline) {
        throw new Error(`nginx: reload not complete after 10 s (old workers ${pending.join(', ')} still accepting)\n${this.diagnostics()}`);
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** The error log as of now (or as of stop(), once the temp dir is gone). */
  private readLog(): string {
    if (this.finalErrorLog !== undefined) return this.finalErrorLog;
    try {
      return readFileSync(this.errorLogPath, 'utf8');
    } catch {
      return '';
    }
  }

  errorLog(opts: { all?: boolean } = {}): string {
    const text = this.readLog();
    if (opts.all) return text;
    return text
      .split('\n')
      .filter((l) => SEVERE.test(l))
      .join('\n');
  }

  diagnostics(): string {
    const errors = this.errorLog();
    const tail = this.current ? this.current.tail(30) : '(nginx not started)';
    return `--- nginx error log (${this.errorLogPath}, warn+) ---\n${errors || '(empty)'}\n${tail}`;
  }

  async dumpConfig(): Promise<string> {
    const dump = spawnChild(nginxBinary(), ['-T', '-q', ...this.args()], { name: 'nginx -T', keepLines: 100_000 });
    const exit = await dump.waitForExit(10_000);
    if (exit.code !== 0) throw new Error(`nginx -T failed\n${dump.tail()}`);
    return dump.lines('stdout').join('\n');
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    // SIGTERM = fast shutdown: does not wait for open WebSockets (SIGQUIT would).
    if (this.current) await this.current.stop(5_000, 'SIGTERM');
    this.finalErrorLog = this.readLog();
    this.temp.remove();
  }
}

/** Worker pids started and not yet reported exited, per the (notice-level) error log. */
function liveWorkers(log: string): Set<number> {
  const live = new Set<number>();
  for (const m of log.matchAll(/start worker process (\d+)/g)) live.add(Number(m[1]));
  for (const m of log.matchAll(/worker process (\d+) exited/g)) live.delete(Number(m[1]));
  return live;
}

/** Start nginx with the project config in front of `upstreams`; resolves once its port accepts connections. */
export async function startNginx(opts: StartNginxOptions): Promise<NginxProcess> {
  const temp = makeTempDir('nginx');
  let nginx: Nginx;
  try {
    nginx = new Nginx(temp, opts.upstreams, opts);
  } catch (err) {
    temp.remove();
    throw err;
  }
  try {
    await nginx.start();
  } catch (err) {
    await nginx.stop();
    throw err;
  }
  return nginx;
}
