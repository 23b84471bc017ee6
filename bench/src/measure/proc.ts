/**
 * Server-side cost from the kernel's accounting: CPU time (utime + stime of
 * /proc/<pid>/stat, every thread of the process) and resident memory
 * (/proc/<pid>/statm). Read before and after a measured window, summed over
 * the processes of a target. This is the figure to trust on a shared or
 * noisy machine: it counts what the server spent per operation, whatever
 * else the machine was doing (wall-clock throughput and latency do not).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

function sysconf(name: string, fallback: number): number {
  try {
    const n = Number(execFileSync('getconf', [name], { encoding: 'utf8' }).trim());
    return Number.isFinite(n) && n > 0 ? n : fallback;
  } catch {
    return fallback;
  }
}

export const CLK_TCK = sysconf('CLK_TCK', 100);
export const PAGE_SIZE = sysconf('PAGESIZE', 4096);

export interface ProcStat {
  pid: number;
  ppid: number;
  /** utime + stime, ms. */
  cpuMs: number;
  /** Resident set, bytes. */
  rss: number;
}

/** One process's counters, or null if it is gone. */
export function readStat(pid: number): ProcStat | null {
  let stat: string;
  let statm: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    statm = readFileSync(`/proc/${pid}/statm`, 'utf8');
  } catch (err) {
    // Gone is normal (a killed worker); anything else (EMFILE...) must not read as "0 CPU".
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ESRCH') return null;
    throw new Error(`cannot read /proc/${pid}: ${code ?? String(err)}`);
  }
  // comm (field 2) may contain spaces and parentheses: split after the last ')'.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state): field n is rest[n - 3].
  const ppid = Number(rest[1]);
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  const rssPages = Number(statm.split(' ')[1]);
  return { pid, ppid, cpuMs: ((utime + stime) * 1000) / CLK_TCK, rss: rssPages * PAGE_SIZE };
}

/** Pids of `root` and every live descendant (nginx master → its workers). */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid);
      if (list) list.push(Number(name));
      else children.set(ppid, [Number(name)]);
    } catch {
      /* exited meanwhile */
    }
  }
  const out: number[] = [];
  const stack = [root];
  while (stack.length) {
    const pid = stack.pop()!;
    out.push(pid);
    for (const c of children.get(pid) ?? []) stack.push(c);
  }
  return out;
}

/** A group of processes measured together (e.g. "workers", "redis", "nginx"). */
export interface ProcGroup {
  role: string;
  /** Current pids of the group (called at each sample: nginx workers can change). */
  pids(): number[];
}

export interface Sample {
  at: number;
  /** Per role: summed CPU ms and RSS bytes, and CPU ms per pid. */
  roles: Record<string, { cpuMs: number; rss: number; cpu: Map<number, number> }>;
}

export function sample(groups: readonly ProcGroup[]): Sample {
  const roles: Sample['roles'] = {};
  for (const g of groups) {
    let cpuMs = 0;
    let rss = 0;
    const cpu = new Map<number, number>();
    for (const pid of g.pids()) {
      const s = readStat(pid);
      if (!s) continue;
      cpuMs += s.cpuMs;
      rss += s.rss;
      cpu.set(pid, s.cpuMs);
    }
    roles[g.role] = { cpuMs, rss, cpu };
  }
  return { at: performance.now(), roles };
}

/**
 * CPU ms a role spent between two samples: per process, so a process that
 * started in between counts whole and one that died in between (a killed
 * worker) drops out instead of making the sum negative.
 */
export function cpuDelta(a: Sample, b: Sample, role: string): number {
  const ra = a.roles[role];
  const rb = b.roles[role];
  if (!rb) return 0;
  let ms = 0;
  for (const [pid, v] of rb.cpu) ms += Math.max(0, v - (ra?.cpu.get(pid) ?? 0));
  return ms;
}

/** Our own CPU (the load generator), ms. */
export function selfCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}
