#!/usr/bin/env node
// Runs every compiled test file in one `node --test` invocation so the run
// ends with a single summary line from the runner (tests/pass/fail).
// Usage: node scripts/run-tests.mjs [substring filters...]
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const roots = ['packages', 'test', 'bench'].map((d) => join(root, d));

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

const filters = process.argv.slice(2);
const files = roots.flatMap((r) => walk(r, []))
  .filter((f) => filters.length === 0 || filters.some((s) => relative(root, f).includes(s)))
  .sort();
if (files.length === 0) {
  console.error('no test files found (did the build run?)');
  process.exit(1);
}
// Integration tests start their own redis-server, workers, nginx and Chromium.
// One file at a time: two at once on this 2-core machine starved clusters and
// browsers enough to fail timing-sensitive checks (heartbeat timeouts taken for
// aborts, buffered client packets) now and then. TEST_CONCURRENCY overrides.
const concurrency = process.env.TEST_CONCURRENCY ?? '1';
// A test that hangs fails after this instead of holding the whole run (and CI) hostage.
const timeout = process.env.TEST_TIMEOUT ?? '240000';
const args = ['--test', '--test-reporter=spec', `--test-concurrency=${concurrency}`, `--test-timeout=${timeout}`, ...files];
const child = spawn(process.execPath, args, { stdio: 'inherit', cwd: root });
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
