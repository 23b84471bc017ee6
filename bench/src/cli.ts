#!/usr/bin/env node
/**
 * pnpm bench [--full] [options]: Nonstick side by side with the official
 * socket.io server, on this machine, in one run. See --help.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_ROUNDS, DEFAULT_SCENARIOS, PRESETS, type PresetName } from './presets.js';
import { renderTable } from './report/text.js';
import { runBench } from './run.js';
import { SCENARIOS, scenarioDef, type Params } from './scenarios.js';
import { repoRoot } from './support/services.js';
import { TARGETS, targetDef } from './targets.js';

const HELP = `Usage: pnpm bench [--full] [options]

Runs every target (each started and stopped here, all on 127.0.0.1) through
the scenarios and writes a terminal table, JSON lines and an HTML report.

  --full                 the long run (100k idle sessions, 10 s windows, ...); default: a quick run
  --targets a,b          targets (default: all): ${TARGETS.map((t) => t.id).join(', ')}
  --scenarios a,b        scenarios (default: ${DEFAULT_SCENARIOS.quick.join(',')}; --full adds idle):
                         ${SCENARIOS.map((s) => s.id).join(', ')}
  --duration S           measured seconds per scenario and round (overrides the preset)
  --clients N            clients for connect/echo/polling (overrides the preset)
  --room N               broadcast room size (default 1000)
  --idle N               idle sessions for the idle scenario (--full: 100000)
  --rounds N             interleaved rounds of echo/broadcast/polling/xbroadcast, median reported
                         (default 1; --full: 3)
  --workers N            Nonstick cluster workers (default 3)
  --sio-nodes N          socket.io cluster processes (default 2)
  --worker-ttl MS        Nonstick worker lease (default: the worker's own, 5000)
  --out DIR              where reports go (default bench/results)
  --preset tiny          a few connections, under 1 s per scenario (the smoke test's)
  --no-progress          no progress bar (it is drawn only on a terminal anyway)
  --json                 print the JSON lines on stdout instead of the table
`;

interface Args {
  [k: string]: string | boolean | undefined;
}

function parseArgs(argv: string[]): Args {
  const out: Args = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') continue;
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${JSON.stringify(a)} (see --help)`);
    const eq = a.indexOf('=');
    if (eq !== -1) out[a.slice(2, eq)] = a.slice(eq + 1);
    else if (['full', 'help', 'no-progress', 'json', 'quiet'].includes(a.slice(2))) out[a.slice(2)] = true;
    else {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      out[a.slice(2)] = v;
    }
  }
  return out;
}

function int(args: Args, name: string): number | undefined {
  const v = args[name];
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name}: expected a positive number, got ${JSON.stringify(v)}`);
  return n;
}

/** Descriptor limit of this process (the load generator holds one per client connection). */
function nofileLimit(): number {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const n = Number(line?.split(/\s+/)[3]);
    return Number.isFinite(n) ? n : Infinity;
  } catch {
    return Infinity;
  }
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const args = parseArgs(argv);
  if (args['help']) {
    process.stdout.write(HELP);
    return 0;
  }
  const preset: PresetName = args['full'] ? 'full' : ((args['preset'] as PresetName | undefined) ?? 'quick');
  if (!PRESETS[preset]) throw new Error(`--preset: one of ${Object.keys(PRESETS).join(', ')}`);
  const params: Params = structuredClone(PRESETS[preset]);
  const duration = int(args, 'duration');
  if (duration) {
    for (const k of ['echo', 'broadcast', 'polling', 'xbroadcast'] as const) params[k].durationMs = duration * 1000;
    params.echo.pacedMs = duration * 1000;
  }
  const clients = int(args, 'clients');
  if (clients) {
    params.connect.clients = clients;
    params.echo.clients = clients;
    params.polling.clients = clients;
  }
  const room = int(args, 'room');
  if (room) params.broadcast.room = room;
  const idle = int(args, 'idle');
  if (idle) params.idle.clients = idle;
  const targets = (typeof args['targets'] === 'string' ? args['targets'].split(',') : TARGETS.map((t) => t.id)).map((t) => targetDef(t.trim()).id);
  const scenarios = (typeof args['scenarios'] === 'string' ? args['scenarios'].split(',') : DEFAULT_SCENARIOS[preset]).map((s) => scenarioDef(s.trim()).id);

  // Enough descriptors for the clients: re-run under a raised limit when needed (Linux, sh).
  const needFds = Math.max(params.connect.clients, scenarios.includes('idle') ? params.idle.clients : 0, params.broadcast.room) * 2 + 1024;
  if (nofileLimit() < needFds && !process.env.NONSTICK_BENCH_REEXEC) {
    const r = spawnSync(
      '/bin/sh',
      [
        '-c',
        `ulimit -n ${needFds} 2>/dev/null || ulimit -n hard 2>/dev/null; exec "$@"`,
        'sh',
        process.execPath,
        ...process.execArgv,
        process.argv[1]!,
        ...argv,
      ],
      {
        stdio: 'inherit',
        env: { ...process.env, NONSTICK_BENCH_REEXEC: '1' },
      },
    );
    return r.status ?? 1;
  }
  // Where the limit cannot be raised (a container's hard limit), the
  // sessions one process can hold are capped, here and in the server.
  const notes: string[] = [];
  const limit = nofileLimit();
  if (limit < needFds) {
    const room = Math.max(100, Math.floor(limit - 1_500));
    const cap = (what: string, n: number): number => {
      if (n <= room) return n;
      notes.push(
        `${what}: ${n} requested, capped to ${room} by the open-file limit (${limit}, which this machine does not let us raise): every client and every server connection is a descriptor`,
      );
      return room;
    };
    params.connect.clients = cap('connect clients', params.connect.clients);
    if (scenarios.includes('idle')) params.idle.clients = cap('idle sessions', params.idle.clients);
    params.broadcast.room = cap('broadcast room', params.broadcast.room);
    for (const n of notes) process.stderr.write(`note: ${n}\n`);
  }

  const outDir = typeof args['out'] === 'string' ? args['out'] : join(repoRoot(), 'bench', 'results');
  process.stderr.write(`nonstick bench (${preset}): ${targets.length} targets × ${scenarios.length} scenarios; reports in ${outDir}\n`);
  const budgetMs = preset === 'full' ? 60 * 60_000 : preset === 'tiny' ? 120_000 : 5 * 60_000;
  // Last resort: whatever hangs, the run ends (the exit hooks kill every process it started).
  const watchdog = setTimeout(() => {
    process.stderr.write(`bench: still running ${(budgetMs + 120_000) / 1000} s after the start; giving up\n`);
    process.exit(3);
  }, budgetMs + 120_000);
  watchdog.unref();
  const run = await runBench({
    preset,
    targets: targets,
    scenarios,
    params,
    outDir,
    targetOptions: {
      workers: int(args, 'workers') ?? 3,
      sioNodes: int(args, 'sio-nodes') ?? 2,
      nofile: Math.max(65_536, needFds + 4096),
      ...(int(args, 'worker-ttl') ? { workerTtl: int(args, 'worker-ttl')! } : {}),
    },
    progress: args['no-progress'] ? false : undefined,
    verbose: !args['quiet'],
    command: ['pnpm bench', ...argv].join(' '),
    notes,
    rounds: int(args, 'rounds') ?? DEFAULT_ROUNDS[preset],
    budgetMs,
  });
  if (args['json']) process.stdout.write(readFileSync(run.files.jsonl, 'utf8'));
  else process.stdout.write(renderTable(run));
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench: ${(err as Error).message ?? String(err)}\n`);
    process.exit(1);
  },
);
