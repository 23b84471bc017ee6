#!/usr/bin/env node
// Runs the compiled test files tier by tier (scripts/test-tiers.mjs), unit
// first. A tier is one or more lanes run side by side, each one `node --test`
// with its own concurrency (integration: Chromium files one at a time beside
// the other files two at a time); the first lane's spec output streams live,
// the others' is printed in one block when they end. Ends with the slowest
// files and ONE summary line over everything, `N passed, N failed[, N skipped]`;
// the exit status is non-zero when anything failed.
//
// Tiers do not overlap: unit files include in-process servers with short
// heartbeats, and integration files time heartbeats and close timeouts of
// whole clusters; starving either for CPU turned those timings into failures.
// Usage: node scripts/run-tests.mjs [--tier unit|integration|node24] [path substring filters...]
// The node24 tier runs the server, cluster, transport and legacy suites again
// on Node 24 with the node:http + ws host (scripts/node24.mjs gets Node 24).
import { Buffer } from 'node:buffer';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { SLOW_FIRST, TIERS, concurrencyOf, laneOf, onNode24, tierOf } from './test-tiers.mjs';
import { ensureNode24 } from './node24.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const reporter = fileURLToPath(new URL('./summary-reporter.mjs', import.meta.url));
const roots = ['packages', 'test', 'bench'].map((d) => join(root, d));
// Per-file wall times of the last run, to start the slowest files first.
const timingsFile = join(root, 'node_modules', '.cache', 'nonstick-test-times.json');
// A test that hangs fails after this instead of holding the whole run (and CI) hostage.
const timeout = process.env.TEST_TIMEOUT ?? '240000';

function walk(dir, out) {
  let entries;
  try { entries = readdirSync(dir); } catch { return out; }
  for (const name of entries) {
    if (name === 'node_modules') continue;
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) walk(p, out);
    else if (name.endsWith('.test.js') && p.includes(`${'/'}dist${'/'}`)) out.push(p);
  }
  return out;
}

function parseArgs(argv) {
  const tiers = [];
  const filters = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--tier') tiers.push(argv[++i]);
    else if (argv[i].startsWith('--tier=')) tiers.push(argv[i].slice('--tier='.length));
    else filters.push(argv[i]);
  }
  const unknown = tiers.filter((t) => !TIERS.includes(t));
  if (unknown.length > 0) {
    console.error(`unknown tier ${unknown.join(', ')} (known: ${TIERS.join(', ')})`);
    process.exit(2);
  }
  return { tiers: tiers.length > 0 ? tiers : TIERS, filters };
}

function readJson(file, fallback) {
  try { return JSON.parse(readFileSync(file, 'utf8')); } catch { return fallback; }
}

/** Slowest first: by the last run's timings, else by SLOW_FIRST, else by name. */
function order(files, timings) {
  const rank = (f) => {
    const rel = relative(root, f);
    if (timings[rel] !== undefined) return -timings[rel];
    const i = SLOW_FIRST.indexOf(rel);
    return i === -1 ? 0 : -1e9 + i;
  };
  return [...files].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

/** One `node --test` over a lane's files (on `runtime`'s Node, with its env); resolves with its summary and exit code. */
function runLane(lane, files, outDir, live, runtime) {
  const summaryFile = join(outDir, `${lane}.json`);
  const args = [
    '--test',
    '--test-reporter=spec', '--test-reporter-destination=stdout',
    `--test-reporter=${reporter}`, `--test-reporter-destination=${summaryFile}`,
    `--test-concurrency=${concurrencyOf(lane)}`, `--test-timeout=${timeout}`,
    ...files,
  ];
  const banner = `▶▶ ${lane}: ${files.length} file(s), ${concurrencyOf(lane)} at a time`;
  if (live) console.log(`\n${banner}`);
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(runtime.node, args, { stdio: ['ignore', live ? 'inherit' : 'pipe', live ? 'inherit' : 'pipe'], cwd: root, env: runtime.env });
    const buffered = [];
    child.stdout?.on('data', (d) => buffered.push(d));
    child.stderr?.on('data', (d) => buffered.push(d));
    child.on('close', (code, signal) => {
      const wallMs = Date.now() - started;
      if (!live) process.stdout.write(`\n${banner} (ran beside the lane above; done after ${(wallMs / 1000).toFixed(1)} s)\n${Buffer.concat(buffered).toString('utf8')}\n`);
      const summary = readJson(summaryFile, { counts: {}, fileMs: {} });
      resolve({ lane, code: code ?? (signal ? 1 : 0), wallMs, ...summary });
    });
  });
}

function printSlowest(results, n) {
  const files = results.flatMap((r) => Object.entries(r.fileMs).map(([f, ms]) => ({ f: relative(root, f), ms, lane: r.lane })));
  files.sort((a, b) => b.ms - a.ms);
  console.log(`\nslowest test files (wall time of each file's process):`);
  for (const { f, ms, lane } of files.slice(0, n)) console.log(`  ${(ms / 1000).toFixed(1).padStart(6)} s  ${lane.padEnd(11)} ${f}`);
  for (const r of results) console.log(`${r.lane}: ${(r.wallMs / 1000).toFixed(1)} s wall`);
}

function saveTimings(results, previous) {
  const next = { ...previous };
  // The node24 tier runs the same files again: the first run's times order both.
  for (const r of results) if (!r.lane.startsWith('node24')) for (const [f, ms] of Object.entries(r.fileMs)) next[relative(root, f)] = Math.round(ms);
  try {
    mkdirSync(dirname(timingsFile), { recursive: true });
    writeFileSync(timingsFile, `${JSON.stringify(next, null, 1)}\n`);
  } catch { /* only an optimisation for the next run */ }
}

const { tiers, filters } = parseArgs(process.argv.slice(2));
const timings = readJson(timingsFile, {});
const all = roots.flatMap((r) => walk(r, []))
  .filter((f) => filters.length === 0 || filters.some((s) => relative(root, f).includes(s)));
const inTier = (tier, rel) => (tier === 'node24' ? onNode24(rel) : tierOf(rel) === tier);
const plan = tiers.map((tier) => {
  const lanes = new Map();
  for (const f of order(all.filter((f) => inTier(tier, relative(root, f))), timings)) {
    const lane = laneOf(tier, relative(root, f));
    if (!lanes.has(lane)) lanes.set(lane, []);
    lanes.get(lane).push(f);
  }
  // The lane with the most files streams live.
  return { tier, lanes: [...lanes].sort((a, b) => b[1].length - a[1].length) };
}).filter((t) => t.lanes.length > 0);
if (plan.length === 0) {
  console.error('no test files found (did the build run?)');
  process.exit(1);
}

const outDir = mkdtempSync(join(tmpdir(), 'nonstick-run-tests-'));
/** The Node and environment a tier runs on: node24 is Node 24 with the node:http + ws host everywhere. */
function runtimeOf(tier) {
  if (tier !== 'node24') return { node: process.execPath, env: process.env };
  const node = ensureNode24(root);
  // First on PATH too, for anything that runs `node` by name.
  return { node, env: { ...process.env, NONSTICK_HTTP_SERVER: 'node', PATH: `${dirname(node)}:${process.env.PATH ?? ''}` } };
}

const results = [];
for (const { tier, lanes } of plan) {
  let runtime;
  try {
    runtime = runtimeOf(tier);
  } catch (err) {
    console.error(`\n${tier}: ${err.message}`);
    results.push({ lane: tier, code: 1, wallMs: 0, counts: { fail: 1 }, fileMs: {} });
    continue;
  }
  if (tier === 'node24') console.log(`\n▶▶▶ node24 tier: ${runtime.node} with NONSTICK_HTTP_SERVER=node`);
  results.push(...(await Promise.all(lanes.map(([lane, files], i) => runLane(lane, files, outDir, i === 0, runtime)))));
}
rmSync(outDir, { recursive: true, force: true });
saveTimings(results, timings);

const sum = (k) => results.reduce((n, r) => n + (r.counts[k] ?? 0), 0);
// A runner that exited non-zero without counting a failure (crashed, killed) still fails the run.
const lost = results.filter((r) => r.code !== 0 && !(r.counts.fail > 0 || r.counts.cancelled > 0)).length;
const failed = sum('fail') + sum('cancelled') + lost;
const skipped = sum('skipped') + sum('todo');
printSlowest(results, 10);
console.log(`${sum('pass')} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || results.some((r) => r.code !== 0) ? 1 : 0);
