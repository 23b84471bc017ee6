/**
 * Child processes for integration tests (redis-server, nginx, our workers).
 *
 * - Output is captured line by line and the last N lines are kept, so a
 *   failing wait can say *why* ("Address already in use", a stack trace...).
 * - Waits look at lines/events already received as well as future ones, so
 *   there is no race between "child printed it" and "test started waiting".
 *   Pass `since: child.lineCount` (or `eventCount`) to only match new output.
 * - Waits fail fast when the child exits instead of sitting out the timeout.
 * - Every child runs in its own process group and is registered with the
 *   process-wide cleanup (cleanup.ts): on exit/SIGINT/SIGTERM the whole group
 *   is SIGKILLed, which also takes grandchildren (nginx workers) with it.
 * - If the test process dies without running any JS (SIGKILL, OOM killer), a
 *   tiny `sh` watchdog notices (EOF on its stdin) and SIGKILLs every group it
 *   was told about. A parent-death signal would not be enough: it reaches
 *   the nginx master but not its workers, which would go on serving the port
 *   as orphans.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { accessSync, constants as fsConstants } from 'node:fs';
import { basename, delimiter, isAbsolute, join, resolve as resolvePath } from 'node:path';
import { registerCleanup } from './cleanup.js';

export type OutputStream = 'stdout' | 'stderr';

/** One line of child output; `seq` counts lines of both streams from 0. */
export interface OutputLine {
  readonly seq: number;
  readonly stream: OutputStream;
  readonly text: string;
}

/** A JSON-lines event printed by a child on stdout, e.g. `{"event":"listening","port":1}`. */
export interface ChildEvent {
  event: string;
  [key: string]: unknown;
}

/** How a child ended: exactly one of code/signal is non-null (unless spawn failed). */
export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export type LineMatcher = RegExp | ((line: string, stream: OutputStream) => boolean);

export interface SpawnChildOptions {
  /** Merged over process.env; a value of `undefined` removes the variable. */
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Label for failure messages; defaults to the command's basename. */
  name?: string;
  /** Output lines kept for failure messages and late waits (default 300). */
  keepLines?: number;
  /** JSON events kept for late waits (default 1000). */
  keepEvents?: number;
  /** Mirror output to our stderr, prefixed with the name (default: env NONSTICK_TEST_ECHO=1). */
  echo?: boolean;
  /** Raise the open-file limit (soft and hard, needs privileges above the hard limit) before exec. */
  nofile?: number;
}

export interface WaitLineOptions {
  /** Which stream to match (default: both). */
  stream?: OutputStream | 'any';
  /** Only match lines with `seq >= since` (default 0: everything still retained). */
  since?: number;
}

export interface WaitEventOptions<T extends ChildEvent> {
  /** Only match events with index >= since (see `eventCount`). */
  since?: number;
  /** Extra condition on the event. */
  filter?: (event: T) => boolean;
}

const DEFAULT_TIMEOUT_MS = 10_000;
/** After 'exit', give stdout/stderr this long to deliver their last lines. */
const DRAIN_GRACE_MS = 250;

/**
 * The watchdog: reads "+PGID" / "-PGID" lines; on EOF SIGKILLs every group
 * still listed. EOF means every writer is gone: we (however we died) and
 * any child still between fork and exec (see REGISTER). Detached and
 * ignoring terminal signals so a Ctrl-C cannot take it out before it has
 * done its job.
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

/**
 * Children start as `sh -c REGISTER sh cmd args...`: the child announces its
 * own pid (= its process group, it is a session leader) on fd 3, the
 * watchdog's stdin, then closes fd 3 and execs the real command under the
 * same pid. Registering from *inside* the child leaves no window: had we
 * written "+pid" after spawn() returned, a SIGKILL during spawn() (fork +
 * exec take milliseconds) would leak the child. SIGPIPE is ignored only
 * around the echo (a dead watchdog must not stop the start) and restored
 * before exec.
 */
const REGISTER = `trap '' PIPE; echo "+$$" >&3 2>/dev/null; trap - PIPE; exec "$@" 3>&-`;

let watchdog: ChildProcess | null | undefined;

/** The watchdog, started on first use; null where there is no /bin/sh. */
function getWatchdog(): ChildProcess | null {
  if (watchdog === undefined) {
    watchdog = null;
    if (hardDeathCleanupSupported()) {
      const wd = spawn('/bin/sh', ['-c', WATCHDOG_SCRIPT], { stdio: ['pipe', 'ignore', 'ignore'], detached: true });
      wd.on('error', () => {
        watchdog = null;
      });
      wd.stdin?.on('error', () => {}); // EPIPE if it ever died: nothing to do
      // Neither the process nor our end of its stdin may keep the event loop alive.
      wd.unref();
      (wd.stdin as unknown as { unref?: () => void } | null)?.unref?.();
      watchdog = wd;
    }
  }
  return watchdog;
}

/** True when children are guarded by the watchdog (they die even if we are SIGKILLed). */
export function hardDeathCleanupSupported(): boolean {
  return process.platform !== 'win32' && isExecutable('/bin/sh');
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Resolve a command like a shell would, so a missing binary fails loudly and synchronously. */
function findExecutable(cmd: string, pathVar: string | undefined, cwd?: string): string | undefined {
  if (cmd.includes('/')) {
    const full = isAbsolute(cmd) ? cmd : resolvePath(cwd ?? process.cwd(), cmd);
    return isExecutable(full) ? full : undefined;
  }
  for (const dir of (pathVar ?? '').split(delimiter)) {
    if (dir && isExecutable(join(dir, cmd))) return join(dir, cmd);
  }
  return undefined;
}

/** A pending wait: `matches` is tested against every new item until it hits. */
interface Waiter<T> {
  matches(item: T): boolean;
  resolve(item: T): void;
  /** The child ended first; `reason` is e.g. "exited (code 1)". */
  fail(reason: string): void;
}

interface IndexedEvent {
  readonly index: number;
  readonly event: ChildEvent;
}

function describeMatcher(m: LineMatcher): string {
  return m instanceof RegExp ? String(m) : 'predicate';
}

function testMatcher(m: LineMatcher, line: OutputLine): boolean {
  if (m instanceof RegExp) {
    m.lastIndex = 0; // a /g or /y regexp is stateful; make every test independent
    return m.test(line.text);
  }
  return m(line.text, line.stream);
}

/** Handle on a spawned child. Create with `spawnChild`. */
export class Child {
  readonly name: string;
  readonly pid: number;
  /** Command line as given (for messages). */
  readonly command: string;

  private readonly proc: ChildProcess;
  private readonly keepLines: number;
  private readonly keepEvents: number;
  private readonly echo: boolean;
  private readonly retained: OutputLine[] = [];
  private readonly retainedEvents: IndexedEvent[] = [];
  private nextSeq = 0;
  private nextEventIndex = 0;
  private exitInfo: ChildExit | undefined;
  private finished = false;
  private readonly finishedPromise: Promise<ChildExit>;
  private readonly lineWaiters = new Set<Waiter<OutputLine>>();
  private readonly eventWaiters = new Set<Waiter<IndexedEvent>>();
  private readonly unregister: () => void;

  /** @internal use spawnChild */
  constructor(proc: ChildProcess, pid: number, name: string, command: string, opts: SpawnChildOptions) {
    this.proc = proc;
    this.pid = pid;
    this.name = name;
    this.command = command;
    this.keepLines = opts.keepLines ?? 300;
    this.keepEvents = opts.keepEvents ?? 1000;
    this.echo = opts.echo ?? process.env.NONSTICK_TEST_ECHO === '1';
    // Last-resort cleanup: SIGKILL the whole group (child + its children).
    this.unregister = registerCleanup(() => this.killGroup('SIGKILL'));

    this.attach(proc.stdout, 'stdout');
    this.attach(proc.stderr, 'stderr');

    this.finishedPromise = new Promise<ChildExit>((resolveFinished) => {
      let graceTimer: NodeJS.Timeout | undefined;
      const finish = (): void => {
        if (this.finished) return;
        this.finished = true;
        if (graceTimer) clearTimeout(graceTimer);
        const exit = this.exitInfo ?? { code: null, signal: null };
        for (const w of [...this.lineWaiters, ...this.eventWaiters]) w.fail(`exited (${formatExit(exit)})`);
        resolveFinished(exit);
      };
      proc.once('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        // The leader is gone; anything left in its group was orphaned by a
        // crash (e.g. nginx workers after the master was SIGKILLed). Tests
        // never want those, so kill them now rather than at process exit.
        this.killGroup('SIGKILL');
        this.unregister();
        // Forget the group, so a recycled pid is never killed later.
        getWatchdog()?.stdin?.write(`-${this.pid}\n`);
        // 'close' waits for stdio to drain, but a grandchild holding the pipe
        // could delay it forever; don't let that block waiters.
        graceTimer = setTimeout(finish, DRAIN_GRACE_MS);
      });
      proc.once('close', finish);
    });
  }

  /** True once the process has exited (its output may still be draining briefly). */
  get exited(): boolean {
    return this.exitInfo !== undefined;
  }

  get exitCode(): number | null {
    return this.exitInfo?.code ?? null;
  }

  get signalCode(): NodeJS.Signals | null {
    return this.exitInfo?.signal ?? null;
  }

  /** Number of lines received so far (both streams); use as `since` for later waits. */
  get lineCount(): number {
    return this.nextSeq;
  }

  /** Number of JSON events received so far; use as `since` for waitForEvent. */
  get eventCount(): number {
    return this.nextEventIndex;
  }

  /** Retained output lines, oldest first (optionally one stream only). */
  lines(stream?: OutputStream): string[] {
    return this.retained.filter((l) => !stream || l.stream === stream).map((l) => l.text);
  }

  /** Retained JSON events, oldest first. */
  events(): ChildEvent[] {
    return this.retainedEvents.map((e) => e.event);
  }

  /** The last `n` lines, labelled, for assertion/failure messages. */
  tail(n = 40): string {
    const lines = this.retained.slice(-n);
    const head = `--- last ${lines.length} line(s) of ${this.name} (pid ${this.pid}${this.exitInfo ? `, ${formatExit(this.exitInfo)}` : ''}) ---`;
    return [head, ...lines.map((l) => `${l.stream === 'stderr' ? '!' : ' '} ${l.text}`)].join('\n');
  }

  /**
   * Resolve with the first line (retained or future) matching `match`.
   * Rejects on timeout or when the child exits first; the error includes the tail.
   */
  waitForLine(match: LineMatcher, timeoutMs = DEFAULT_TIMEOUT_MS, opts: WaitLineOptions = {}): Promise<string> {
    const stream = opts.stream ?? 'any';
    const since = opts.since ?? 0;
    const matches = (l: OutputLine): boolean => l.seq >= since && (stream === 'any' || l.stream === stream) && testMatcher(match, l);
    const already = this.retained.find(matches);
    if (already) return Promise.resolve(already.text);
    return this.wait(this.lineWaiters, matches, `a line matching ${describeMatcher(match)}`, timeoutMs).then((l) => l.text);
  }

  /** Resolve with the first JSON event `{"event": name, ...}` on stdout (retained or future). */
  waitForEvent<T extends ChildEvent = ChildEvent>(name: string, timeoutMs = DEFAULT_TIMEOUT_MS, opts: WaitEventOptions<T> = {}): Promise<T> {
    const since = opts.since ?? 0;
    const filter = opts.filter;
    const matches = (r: IndexedEvent): boolean => r.index >= since && r.event.event === name && (!filter || filter(r.event as T));
    const already = this.retainedEvents.find(matches);
    if (already) return Promise.resolve(already.event as T);
    return this.wait(this.eventWaiters, matches, `event "${name}"`, timeoutMs).then((r) => r.event as T);
  }

  /** Resolve when the process has exited and its output drained (optionally bounded). */
  waitForExit(timeoutMs?: number): Promise<ChildExit> {
    if (timeoutMs === undefined) return this.finishedPromise;
    return new Promise<ChildExit>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`${this.name}: still running after ${timeoutMs} ms\n${this.tail()}`));
      }, timeoutMs);
      void this.finishedPromise.then((exit) => {
        clearTimeout(timer);
        resolve(exit);
      });
    });
  }

  /** Signal the process itself (not its children). Returns false if it already exited. */
  kill(signal: NodeJS.Signals = 'SIGTERM'): boolean {
    if (this.exitInfo) return false;
    return this.proc.kill(signal);
  }

  /** Signal the child's whole process group (child and everything it forked). */
  killGroup(signal: NodeJS.Signals = 'SIGKILL'): boolean {
    try {
      process.kill(-this.pid, signal);
      return true;
    } catch {
      return false; // ESRCH: group already empty
    }
  }

  /**
   * Graceful stop: send `signal`, wait up to `timeoutMs`, then SIGKILL the
   * group. Idempotent; resolves with how the process ended.
   */
  async stop(timeoutMs = 5_000, signal: NodeJS.Signals = 'SIGTERM'): Promise<ChildExit> {
    if (!this.exitInfo) this.kill(signal);
    try {
      return await this.waitForExit(timeoutMs);
    } catch {
      this.killGroup('SIGKILL');
      return this.finishedPromise;
    }
  }

  private wait<T>(set: Set<Waiter<T>>, matches: (item: T) => boolean, what: string, timeoutMs: number): Promise<T> {
    // Captured here so the rejection's stack points at the test's await.
    const stackHolder = new Error();
    return new Promise<T>((resolve, reject) => {
      if (this.finished) {
        const exit = this.exitInfo ?? { code: null, signal: null };
        reject(this.failure(`exited (${formatExit(exit)}) before ${what}`, stackHolder));
        return;
      }
      const done = (): void => {
        clearTimeout(timer);
        set.delete(waiter);
      };
      const waiter: Waiter<T> = {
        matches,
        resolve: (item) => {
          done();
          resolve(item);
        },
        fail: (reason) => {
          done();
          reject(this.failure(`${reason} before ${what}`, stackHolder));
        },
      };
      const timer = setTimeout(() => {
        set.delete(waiter);
        reject(this.failure(`timed out after ${timeoutMs} ms waiting for ${what}`, stackHolder));
      }, timeoutMs);
      set.add(waiter);
    });
  }

  private failure(message: string, stackHolder: Error): Error {
    const err = new Error(`${this.name}: ${message}\n${this.tail()}`);
    err.stack = `${err.message}\n${(stackHolder.stack ?? '').split('\n').slice(1).join('\n')}`;
    return err;
  }

  private attach(readable: NodeJS.ReadableStream | null, stream: OutputStream): void {
    if (!readable) return;
    readable.setEncoding('utf8');
    let partial = '';
    readable.on('data', (chunk: string) => {
      partial += chunk;
      let nl: number;
      while ((nl = partial.indexOf('\n')) !== -1) {
        this.onLine(stream, partial.slice(0, nl).replace(/\r$/, ''));
        partial = partial.slice(nl + 1);
      }
    });
    readable.on('end', () => {
      if (partial) this.onLine(stream, partial);
      partial = '';
    });
  }

  private onLine(stream: OutputStream, text: string): void {
    const line: OutputLine = { seq: this.nextSeq++, stream, text };
    this.retained.push(line);
    if (this.retained.length > this.keepLines) this.retained.shift();
    if (this.echo) process.stderr.write(`[${this.name}${stream === 'stderr' ? '!' : ''}] ${text}\n`);
    for (const w of [...this.lineWaiters]) if (w.matches(line)) w.resolve(line);
    if (stream === 'stdout' && text.startsWith('{')) this.onJsonLine(text);
  }

  private onJsonLine(text: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return; // a log line that merely starts with "{"
    }
    if (typeof parsed !== 'object' || parsed === null || typeof (parsed as ChildEvent).event !== 'string') return;
    const item: IndexedEvent = { index: this.nextEventIndex++, event: parsed as ChildEvent };
    this.retainedEvents.push(item);
    if (this.retainedEvents.length > this.keepEvents) this.retainedEvents.shift();
    for (const w of [...this.eventWaiters]) if (w.matches(item)) w.resolve(item);
  }
}

export function formatExit(exit: ChildExit): string {
  if (exit.signal) return `signal ${exit.signal}`;
  if (exit.code !== null) return `code ${exit.code}`;
  return 'not started';
}

/**
 * Spawn `cmd args` with piped stdout/stderr (stdin ignored), in its own
 * process group, registered for cleanup. Throws synchronously if `cmd`
 * cannot be found.
 */
export function spawnChild(cmd: string, args: readonly string[] = [], opts: SpawnChildOptions = {}): Child {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...process.env, ...opts.env })) {
    if (v !== undefined) env[k] = v;
  }
  // A Node child inheriting the runner's marker would talk the runner's
  // protocol on stdout if it ever loaded node:test; our children are servers.
  if (!(opts.env && 'NODE_TEST_CONTEXT' in opts.env)) delete env.NODE_TEST_CONTEXT;

  const resolved = findExecutable(cmd, env.PATH, opts.cwd);
  if (!resolved) throw new Error(`spawnChild: command not found or not executable: ${cmd}`);

  const wd = getWatchdog();
  // `ulimit -n` raises soft and hard limits; when not allowed, keep the inherited ones.
  const limit = opts.nofile ? `ulimit -n ${Math.floor(opts.nofile)} 2>/dev/null; ` : '';
  const [file, argv] = wd?.stdin
    ? ['/bin/sh', ['-c', limit + REGISTER, 'sh', resolved, ...args]]
    : limit
      ? ['/bin/sh', ['-c', `${limit}exec "$@"`, 'sh', resolved, ...args]]
      : [resolved, [...args]];
  const proc = spawn(file, argv, {
    cwd: opts.cwd,
    env,
    stdio: wd?.stdin ? ['ignore', 'pipe', 'pipe', wd.stdin] : ['ignore', 'pipe', 'pipe'],
    // Own process group (setsid): lets cleanup kill grandchildren too, and
    // keeps a terminal's Ctrl-C from racing our orderly cleanup.
    detached: true,
  });
  if (proc.pid === undefined) {
    proc.on('error', () => {}); // reported by the throw below
    throw new Error(`spawnChild: failed to start ${cmd}`);
  }
  const command = [cmd, ...args].map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : JSON.stringify(a))).join(' ');
  return new Child(proc, proc.pid, opts.name ?? basename(cmd), command, opts);
}
