/**
 * One bench run: start each target in turn, run the scenarios that apply to
 * it, stop it, then compute ratios and goals and write the reports.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem, type } from 'node:os';
import { join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { SourceAddresses, addressesFor } from './load/addresses.js';
import { CLK_TCK } from './measure/proc.js';
import type { BenchRun, Machine, ResultRow } from './model.js';
import type { PresetName } from './presets.js';
import { Progress } from './progress.js';
import { evaluateGoals } from './report/goals.js';
import { renderHtml } from './report/html.js';
import { fmt } from './report/metrics.js';
import { SCENARIOS, scenarioDef, type Params, type ScenarioId, type ScenarioResult } from './scenarios.js';
import { startTarget, targetDef, type RunningTarget, type TargetId, type TargetOptions } from './targets.js';

export interface BenchOptions {
  preset: PresetName;
  targets: TargetId[];
  scenarios: ScenarioId[];
  params: Params;
  outDir: string;
  targetOptions: TargetOptions;
  /** Draw the progress bar (default: when stderr is a TTY). */
  progress?: boolean;
  /** Print a line per finished step on stderr. */
  verbose?: boolean;
  command: string;
  /** Hard bound for the whole run, ms; steps not started by then are skipped. */
  budgetMs: number;
  /** Shown with the results (e.g. counts capped by the open-file limit). */
  notes?: string[];
  /** Interleaved rounds for echo, broadcast, polling and xbroadcast (median of the rounds). */
  rounds?: number;
}

const require = createRequire(import.meta.url);

function pkgVersion(name: string): string {
  try {
    // Resolve the package's entry, then walk up to its package.json.
    let dir = require.resolve(name);
    for (let i = 0; i < 6; i++) {
      dir = resolve(dir, '..');
      try {
        const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
        if (pkg.version && pkg.name) return pkg.version;
      } catch {
        /* up */
      }
    }
  } catch {
    /* not installed */
  }
  return '?';
}

function commandVersion(cmd: string, args: string[], pattern: RegExp): string {
  // nginx -v prints on stderr.
  const r = spawnSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 5_000 });
  return pattern.exec(`${r.stdout ?? ''}\n${r.stderr ?? ''}`)?.[1] ?? '?';
}

export function machineInfo(): Machine {
  const list = cpus();
  return {
    cores: list.length,
    cpuModel: list[0]?.model.trim() ?? '?',
    memoryGiB: totalmem() / 2 ** 30,
    node: process.version,
    os: `${type()} ${release()}`,
    loadavgStart: loadavg(),
    loadavgEnd: [],
    clkTck: CLK_TCK,
    versions: {
      'socket.io': pkgVersion('socket.io'),
      '@socket.io/redis-streams-adapter': pkgVersion('@socket.io/redis-streams-adapter'),
      'uWebSockets.js': pkgVersion('uWebSockets.js'),
      ws: pkgVersion('ws'),
      nginx: commandVersion(process.env.NONSTICK_NGINX ?? '/usr/sbin/nginx', ['-v'], /nginx\/(\S+)/),
      redis: commandVersion(process.env.NONSTICK_REDIS_SERVER ?? 'redis-server', ['--version'], /v=(\S+)/),
    },
  };
}

/** Which metric to put in the one-line log of a step. */
const HEADLINE: Record<ScenarioId, [string, string][]> = {
  connect: [
    ['ratePerSec', 'conn/s'],
    ['cpuPerConnMs', 'ms CPU/conn'],
    ['rssPerConnKiB', 'KiB/conn'],
  ],
  idle: [
    ['ratePerSec', 'conn/s'],
    ['cpuPerConnMs', 'ms CPU/conn'],
    ['rssPerConnKiB', 'KiB/conn'],
  ],
  echo: [
    ['acksPerSec', 'acks/s'],
    ['p99Ms', 'ms p99'],
    ['cpuPerAckUs', 'µs CPU/ack'],
  ],
  broadcast: [
    ['deliveriesPerSec', 'deliveries/s'],
    ['p99Ms', 'ms p99'],
    ['cpuPerDeliveryUs', 'µs CPU/delivery'],
    ['lossPct', '% loss'],
  ],
  polling: [
    ['acksPerSec', 'acks/s'],
    ['p99Ms', 'ms p99'],
    ['cpuPerAckUs', 'µs CPU/ack'],
    ['errors', 'errors'],
  ],
  xbroadcast: [
    ['p50Ms', 'ms p50'],
    ['p99Ms', 'ms p99'],
    ['lossPct', '% loss'],
  ],
  failover: [
    ['lost', 'lost'],
    ['reconnects', 'reconnects'],
    ['recoverMs', 'ms to recover'],
  ],
};

export function baselineFor(kind: 'single' | 'cluster'): TargetId {
  return kind === 'cluster' ? 'socketio-cluster' : 'socketio-ws';
}

function computeRatios(rows: ResultRow[]): void {
  for (const r of rows) {
    r.ratios = {};
    const base = rows.find((b) => b.scenario === r.scenario && b.target === r.baseline && b.metrics && !b.error);
    if (!base || !r.metrics) continue;
    for (const [k, v] of Object.entries(r.metrics)) {
      const bv = base.metrics![k];
      if (bv !== undefined && Number.isFinite(v) && Number.isFinite(bv) && bv !== 0) r.ratios[k] = v / bv;
    }
  }
}

/** Scenarios measured in interleaved rounds (each target once per round, order rotating). */
const ROUNDED: ReadonlySet<ScenarioId> = new Set(['echo', 'broadcast', 'polling', 'xbroadcast']);

function median(values: number[]): number {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
}

/** One row from the rounds of a (scenario, target): the median of each figure, errors summed. */
function combine(row: ResultRow, rounds: Array<Partial<ScenarioResult>>): void {
  const ok = rounds.filter((r) => r.metrics);
  if (ok.length === 0) return;
  if (ok.length === 1) {
    Object.assign(row, ok[0]);
    return;
  }
  const keys = new Set(ok.flatMap((r) => Object.keys(r.metrics!)));
  const metrics: Record<string, number> = {};
  for (const k of keys) metrics[k] = median(ok.map((r) => r.metrics![k] ?? NaN));
  const errors: Record<string, number> = {};
  for (const r of ok) for (const [k, n] of Object.entries(r.errors ?? {})) errors[k] = (errors[k] ?? 0) + n;
  const cpu = ok.map((r) => r.cpu).filter((c): c is NonNullable<typeof c> => !!c);
  const sum = (f: (c: (typeof cpu)[number]) => number | undefined) => cpu.reduce((a, c) => a + (f(c) ?? 0), 0);
  Object.assign(row, {
    metrics,
    params: { ...ok[0]!.params, rounds: ok.length },
    errors,
    notes: [...new Set(ok.flatMap((r) => r.notes ?? []))],
    cpu: cpu.length
      ? {
          workersMs: sum((c) => c.workersMs),
          loadgenMs: sum((c) => c.loadgenMs),
          wallMs: sum((c) => c.wallMs),
          ...(cpu[0]!.redisMs !== undefined ? { redisMs: sum((c) => c.redisMs), nginxMs: sum((c) => c.nginxMs) } : {}),
        }
      : null,
    roundMetrics: ok.map((r) => r.metrics!),
  });
}

export async function runBench(opts: BenchOptions): Promise<BenchRun> {
  const t0 = performance.now();
  const startedAt = new Date().toISOString();
  const machine = machineInfo();
  // Scenario order is fixed (failover, which kills a worker, comes last).
  const scenarios = SCENARIOS.map((d) => d.id).filter((id) => opts.scenarios.includes(id));
  const targets = opts.targets.filter((t) => scenarios.some((s) => scenarioDef(s).appliesTo(t)));
  const roundsOf = (s: ScenarioId) => (ROUNDED.has(s) ? Math.max(1, opts.rounds ?? 1) : 1);
  const steps = scenarios.reduce((n, s) => n + targets.filter((t) => scenarioDef(s).appliesTo(t)).length * roundsOf(s), 0) + targets.length;
  const progress = new Progress(steps, opts.progress ?? process.stderr.isTTY === true);
  const maxClients = Math.max(opts.params.connect.clients, scenarios.includes('idle') ? opts.params.idle.clients : 0, opts.params.broadcast.room + 1);
  const addrs = new SourceAddresses(addressesFor(maxClients, 32));
  const results: ResultRow[] = [];
  const log = (line: string) => (opts.verbose === false ? undefined : progress.log(line));
  const over = () => performance.now() - t0 > opts.budgetMs;

  // Every target runs for the whole bench (idle ones cost nothing), so the
  // rounds of a scenario can interleave them: a slow drift of the machine's
  // load (someone else's build) then spreads over all targets alike.
  const running = new Map<TargetId, RunningTarget>();
  const startFailed = new Map<TargetId, string>();
  try {
    for (const t of targets) {
      progress.step(`starting ${targetDef(t).label}`);
      try {
        running.set(t, await startTarget(t, opts.targetOptions));
      } catch (err) {
        const msg = (err as Error).message.split('\n')[0] ?? String(err);
        startFailed.set(t, msg);
        log(`${targetDef(t).label}: could not start: ${msg}`);
      }
    }
    for (const s of scenarios) {
      const sd = scenarioDef(s);
      const applicable = targets.filter((t) => sd.appliesTo(t));
      const rounds = roundsOf(s);
      const collected = new Map<TargetId, Array<Partial<ScenarioResult>>>();
      const failures = new Map<TargetId, string>();
      const elapsed = new Map<TargetId, number>();
      for (let r = 0; r < rounds; r++) {
        // Rotate the order each round so no target always runs first.
        const order = applicable.map((_, i) => applicable[(i + r) % applicable.length]!);
        for (const t of order) {
          const def = targetDef(t);
          progress.step(`${sd.label} · ${def.label}${rounds > 1 ? ` (round ${r + 1}/${rounds})` : ''}`);
          const target = running.get(t);
          if (!target) {
            failures.set(t, `target did not start: ${startFailed.get(t) ?? 'stopped'}`);
            continue;
          }
          if (over()) {
            failures.set(t, 'skipped: run time budget exhausted');
            continue;
          }
          const ts = performance.now();
          try {
            const res = await sd.run({ target, addrs, progress: (f) => progress.update(f) }, opts.params);
            (collected.get(t) ?? collected.set(t, []).get(t)!).push(res);
            const head = HEADLINE[s].map(([k, u]) => `${fmt(res.metrics[k])} ${u}`).join(', ');
            log(`${sd.label} · ${def.label}${rounds > 1 ? ` #${r + 1}` : ''}: ${head}`);
          } catch (err) {
            failures.set(t, (err as Error).message.split('\n')[0] ?? String(err));
            log(`${sd.label} · ${def.label}: failed: ${failures.get(t)}`);
          }
          elapsed.set(t, (elapsed.get(t) ?? 0) + performance.now() - ts);
          if (s !== 'failover' && target.workers.some((w) => w.exited)) {
            // A server died on its own: restart the target for what follows.
            log(`${def.label}: a server process exited unexpectedly; restarting it`);
            await target.stop();
            running.delete(t);
            try {
              running.set(t, await startTarget(t, opts.targetOptions));
            } catch (err) {
              startFailed.set(t, (err as Error).message.split('\n')[0] ?? String(err));
            }
          }
        }
      }
      for (const t of applicable) {
        const def = targetDef(t);
        const row: ResultRow = {
          scenario: s,
          target: t,
          targetLabel: def.label,
          topology: running.get(t)?.topology ?? def.describe,
          kind: def.kind,
          baseline: baselineFor(def.kind),
          ratios: {},
          elapsedMs: elapsed.get(t) ?? 0,
        };
        combine(row, collected.get(t) ?? []);
        if (!row.metrics) row.error = failures.get(t) ?? 'no result';
        else if (failures.has(t)) row.notes = [...(row.notes ?? []), `a round failed: ${failures.get(t)}`];
        results.push(row);
      }
    }
  } finally {
    addrs.destroy();
    await Promise.all([...running.values()].map((t) => t.stop().catch(() => undefined)));
    progress.done();
  }
  computeRatios(results);
  machine.loadavgEnd = loadavg();
  const notes = [...(opts.notes ?? [])];
  // Before the run nothing of ours was running: a load already there is someone else's.
  if (machine.loadavgStart[0]! > machine.cores * 0.5) {
    notes.push(
      `the machine was already busy when the run started (load average ${machine.loadavgStart[0]!.toFixed(2)} over the last minute on ${machine.cores} cores): throughput and latency are unreliable in this run, and even CPU per operation moves (shared caches and cores); compare ratios, and rerun on a quiet machine to quote figures`,
    );
  }
  mkdirSync(opts.outDir, { recursive: true });
  const stamp = startedAt.replace(/[:.]/g, '-');
  const jsonl = join(opts.outDir, `bench-${stamp}.jsonl`);
  const html = join(opts.outDir, 'report.html');
  const run: BenchRun = {
    kind: 'nonstick-bench',
    startedAt,
    preset: opts.preset,
    command: opts.command,
    options: { targets: opts.targets, scenarios: opts.scenarios, params: opts.params, targetOptions: opts.targetOptions, rounds: opts.rounds ?? 1 },
    machine,
    results,
    goals: evaluateGoals(results),
    durationMs: performance.now() - t0,
    notes,
    files: { jsonl, html },
  };
  writeFileSync(jsonl, toJsonLines(run));
  writeFileSync(join(opts.outDir, 'latest.jsonl'), toJsonLines(run));
  writeFileSync(html, renderHtml(run));
  return run;
}

/** One line for the run (machine, options), one per result, one per goal. */
export function toJsonLines(run: BenchRun): string {
  const clean = (v: unknown) => JSON.stringify(v, (_k, x: unknown) => (typeof x === 'number' && !Number.isFinite(x) ? null : x));
  const lines = [
    clean({
      type: 'run',
      startedAt: run.startedAt,
      preset: run.preset,
      command: run.command,
      machine: run.machine,
      options: run.options,
      notes: run.notes,
      durationMs: run.durationMs,
    }),
    ...run.results.map((r) => clean({ type: 'result', startedAt: run.startedAt, ...r })),
    ...run.goals.map((g) => clean({ type: 'goal', startedAt: run.startedAt, ...g })),
  ];
  return lines.join('\n') + '\n';
}
