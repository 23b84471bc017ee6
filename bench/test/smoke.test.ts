/**
 * Smoke test of `pnpm bench`: a tiny run (a few connections, under a second
 * per scenario) over three targets, the official socket.io server among
 * them. It checks that the harness works and writes its reports — not how
 * fast anything is — and that nothing it started outlives it.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../src/cli.js', import.meta.url));

/** Pids of live processes whose environment carries `marker` (everything the run started inherits it). */
function processesWith(marker: string): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${name}/environ`, 'latin1').includes(marker)) {
        // Zombies have no environment left to read; anything readable is alive.
        const state = readFileSync(`/proc/${name}/stat`, 'utf8').split(') ')[1]?.[0];
        if (state !== 'Z') out.push(Number(name));
      }
    } catch {
      /* gone or not ours */
    }
  }
  return out;
}

interface Line {
  type: string;
  [k: string]: unknown;
}

test(
  'a tiny bench run over nonstick, nonstick-node, nonstick-cluster and socketio-ws writes its table, JSON lines and HTML report, and cleans up',
  { timeout: 90_000 },
  async (t) => {
    const out = mkdtempSync(join(tmpdir(), 'nonstick-bench-smoke-'));
    const marker = `NONSTICK_BENCH_SMOKE=${randomUUID()}`;
    const [key, value] = marker.split('=') as [string, string];
    t.after(() => rmSync(out, { recursive: true, force: true }));

    const started = Date.now();
    const child = spawn(
      process.execPath,
      [
        CLI,
        '--preset',
        'tiny',
        '--targets',
        'nonstick,nonstick-node,nonstick-cluster,socketio-ws',
        '--scenarios',
        'connect,echo,broadcast,polling,failover',
        '--worker-ttl',
        '1500',
        '--out',
        out,
        '--no-progress',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, [key]: value, NODE_TEST_CONTEXT: undefined }, detached: true },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exit = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          /* gone */
        }
      }, 75_000);
      child.on('exit', (code) => {
        clearTimeout(timer);
        resolve(code);
      });
    });
    const elapsed = Date.now() - started;
    assert.equal(exit, 0, `bench exited with ${exit}\n--- stderr ---\n${stderr}\n--- stdout ---\n${stdout}`);
    assert.ok(elapsed < 60_000, `the smoke run took ${elapsed} ms`);

    // Terminal table: a block per scenario and the targets.
    for (const heading of ['connect —', 'websocket echo —', 'broadcast fan-out —', 'polling echo —', 'failover —', 'Targets (reported, not asserted):']) {
      assert.ok(stdout.includes(heading), `table lacks ${JSON.stringify(heading)}\n${stdout}`);
    }
    assert.match(stdout, /socket\.io \(ws\)/);
    assert.match(stdout, /Nonstick cluster/);

    // JSON lines: the run (machine included), one result per target × scenario, the goals.
    const jsonl = join(out, 'latest.jsonl');
    assert.ok(existsSync(jsonl), 'latest.jsonl written');
    const lines = readFileSync(jsonl, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Line);
    const run = lines.find((l) => l.type === 'run') as Line & { machine: { cores: number; memoryGiB: number; node: string } };
    assert.ok(run, 'a run line');
    assert.ok(run.machine.cores > 0 && run.machine.memoryGiB > 0 && run.machine.node.startsWith('v'), 'machine described');
    const results = lines.filter((l) => l.type === 'result') as Array<
      Line & { target: string; scenario: string; error?: string; metrics?: Record<string, number | null>; ratios: Record<string, number> }
    >;
    const expected: Array<[string, string]> = [];
    for (const target of ['nonstick', 'nonstick-node', 'nonstick-cluster', 'socketio-ws'])
      for (const s of ['connect', 'echo', 'broadcast', 'polling']) expected.push([target, s]);
    expected.push(['nonstick-cluster', 'failover']);
    for (const [target, scenario] of expected) {
      const r = results.find((x) => x.target === target && x.scenario === scenario);
      assert.ok(r, `result for ${scenario} on ${target}`);
      assert.equal(r.error, undefined, `${scenario} on ${target} failed: ${r.error}`);
      assert.ok(r.metrics, `${scenario} on ${target} has metrics`);
    }
    const metric = (target: string, scenario: string, key: string) => results.find((x) => x.target === target && x.scenario === scenario)?.metrics?.[key];
    // The harness measured something real: sessions connected, acks and deliveries arrived, server CPU was read.
    for (const target of ['nonstick', 'nonstick-node', 'nonstick-cluster', 'socketio-ws']) {
      assert.ok((metric(target, 'connect', 'connected') ?? 0) > 0, `${target}: connected`);
      assert.ok((metric(target, 'echo', 'acksPerSec') ?? 0) > 0, `${target}: echo acks`);
      assert.ok((metric(target, 'broadcast', 'deliveriesPerSec') ?? 0) > 0, `${target}: broadcast deliveries`);
      assert.ok(typeof metric(target, 'echo', 'cpuPerAckUs') === 'number', `${target}: server CPU per ack`);
    }
    assert.ok((metric('nonstick-cluster', 'failover', 'sent') ?? 0) > 0, 'failover sent emits');
    // Ratios to the official server of the same run.
    const ns = results.find((x) => x.target === 'nonstick' && x.scenario === 'echo')!;
    assert.ok(Number.isFinite(ns.ratios['acksPerSec']), 'ratio to socket.io (ws) computed');
    assert.ok(
      lines.some((l) => l.type === 'goal'),
      'goals evaluated',
    );
    // The node host's goals are ratios of two rows of this run: both rows were found.
    for (const id of ['node-echo-cpu-sio-ws', 'node-polling-cpu-sio-ws']) {
      const goal = lines.find((l) => l.type === 'goal' && l['id'] === id);
      assert.ok(goal && typeof goal['value'] === 'number', `goal ${id} measured: ${JSON.stringify(goal)}`);
    }

    // HTML: self-contained, with charts and the machine.
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    assert.match(html, /^<!doctype html>/);
    assert.ok((html.match(/<svg/g) ?? []).length >= 5, 'charts drawn as inline SVG');
    assert.ok(!/(src|href)="(https?:)?\/\//.test(html), 'no external assets');
    assert.ok(html.includes(`${run.machine.cores} ×`) && html.includes(run.machine.node), 'machine in the report');
    assert.match(html, /socket\.io \(ws\)/);

    // Nothing the run started is left: servers, redis-server, nginx (they all inherited the marker).
    let left = processesWith(marker);
    for (let i = 0; i < 20 && left.length > 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      left = processesWith(marker);
    }
    for (const pid of left) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    assert.deepEqual(left, [], 'processes left behind');
  },
);
