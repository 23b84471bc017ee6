import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hardDeathCleanupSupported, spawnChild } from '../support/children.js';
import type { Child } from '../support/children.js';
import { isAlive, waitUntil } from './helpers.js';

const node = process.execPath;

/** Spawn `node -e code`, stopped after the test. */
function nodeChild(t: { after(fn: () => unknown): void }, code: string, name = 'fixture', args: string[] = []): Child {
  const child = spawnChild(node, ['-e', code, ...args], { name });
  t.after(() => child.stop(1_000));
  return child;
}

describe('spawnChild', () => {
  it('captures lines of both streams; waits see past and future lines', async (t) => {
    const child = nodeChild(t, `console.log('one'); console.error('warn: two'); setTimeout(() => console.log('three'), 50); setTimeout(() => {}, 5000);`);
    assert.ok(child.pid > 0);
    assert.equal(await child.waitForLine(/three/), 'three'); // future line
    assert.equal(await child.waitForLine(/^one$/), 'one'); // already received
    assert.equal(await child.waitForLine((l) => l.startsWith('warn'), 1_000, { stream: 'stderr' }), 'warn: two');
    await assert.rejects(child.waitForLine(/two/, 100, { stream: 'stdout' }), /timed out after 100 ms/);
    await assert.rejects(child.waitForLine(/one/, 100, { since: child.lineCount }), /timed out/);
    assert.deepEqual(child.lines('stdout'), ['one', 'three']);
    assert.match(child.tail(), /! warn: two/);
  });

  it('parses JSON-lines events from stdout and ignores other output', async (t) => {
    const child = nodeChild(
      t,
      `console.log('{not json'); console.log(JSON.stringify({ event: 'listening', port: 1234, workerId: 'w1' }));
       console.log(JSON.stringify({ notAnEvent: true }));
       setTimeout(() => console.log(JSON.stringify({ event: 'tick', n: 1 })), 30);
       setTimeout(() => console.log(JSON.stringify({ event: 'tick', n: 2 })), 60);
       setTimeout(() => {}, 5000);`,
    );
    const listening = await child.waitForEvent<{ event: string; port: number; workerId: string }>('listening');
    assert.deepEqual(listening, { event: 'listening', port: 1234, workerId: 'w1' });
    const second = await child.waitForEvent<{ event: string; n: number }>('tick', 2_000, { filter: (e) => e.n === 2 });
    assert.equal(second.n, 2);
    assert.deepEqual(
      child.events().map((e) => e.event),
      ['listening', 'tick', 'tick'],
    );
    await assert.rejects(child.waitForEvent('tick', 100, { since: child.eventCount }), /timed out after 100 ms waiting for event "tick"/);
  });

  it('fails fast (not at the timeout) when the child exits first, showing its output', async (t) => {
    const child = nodeChild(t, `console.error('fatal: port busy'); process.exit(7);`, 'doomed');
    const started = Date.now();
    await assert.rejects(child.waitForEvent('listening', 10_000), (err: Error) => {
      assert.match(err.message, /doomed: exited \(code 7\) before event "listening"/);
      assert.match(err.message, /fatal: port busy/);
      return true;
    });
    assert.ok(Date.now() - started < 5_000);
    assert.deepEqual(await child.waitForExit(), { code: 7, signal: null });
    await assert.rejects(child.waitForLine(/x/), /exited \(code 7\)/);
  });

  it('kill(signal) signals the process; stop() escalates to SIGKILL', async (t) => {
    const a = nodeChild(t, `setInterval(() => {}, 1000); console.log('up');`);
    await a.waitForLine(/up/);
    assert.equal(a.kill('SIGINT'), true);
    assert.deepEqual(await a.waitForExit(2_000), { code: null, signal: 'SIGINT' });
    assert.equal(a.kill(), false, 'kill after exit is a no-op');

    const stubborn = nodeChild(t, `process.on('SIGTERM', () => console.log('ignoring')); setInterval(() => {}, 1000); console.log('up');`);
    await stubborn.waitForLine(/up/);
    const exit = await stubborn.stop(300);
    assert.equal(exit.signal, 'SIGKILL');
    assert.ok(stubborn.lines().includes('ignoring'));
  });

  it('throws synchronously for a missing command', () => {
    assert.throws(() => spawnChild('definitely-not-a-command-nonstick'), /command not found/);
  });

  it('kills grandchildren (the process group) when a child dies', async (t) => {
    // Like nginx: the master forks workers; if the master is SIGKILLed the
    // workers must not keep serving.
    const parent = nodeChild(
      t,
      `const { spawn } = require('node:child_process');
       const gc = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
       console.log(JSON.stringify({ event: 'spawned', pid: gc.pid }));
       setInterval(() => {}, 1000);`,
      'forker',
    );
    const { pid } = await parent.waitForEvent<{ event: string; pid: number }>('spawned');
    t.after(() => {
      if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    });
    assert.ok(isAlive(pid));
    parent.kill('SIGKILL');
    await parent.waitForExit(2_000);
    await waitUntil(() => !isAlive(pid), 2_000, `grandchild ${pid} still alive`);
  });
});

describe('cleanup registry', () => {
  const childrenUrl = new URL('../support/children.js', import.meta.url).href;
  // Like an nginx master: a child that forks a grandchild of its own.
  const forker = `const { spawn } = require('node:child_process');
    const gc = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    console.log(JSON.stringify({ event: 'forked', pid: gc.pid }));
    setInterval(() => {}, 1000);`;
  // A "test process" that starts the forker via spawnChild, then dies in the
  // way given by argv[1]. Neither the child nor the grandchild may survive.
  const script = `
    import { spawnChild } from ${JSON.stringify(childrenUrl)};
    const mode = process.argv[1];
    const child = spawnChild(process.execPath, ['-e', ${JSON.stringify(forker)}], { name: 'forker' });
    const { pid } = await child.waitForEvent('forked');
    console.log(JSON.stringify({ event: 'spawned', pids: [child.pid, pid] }));
    if (mode === 'exit') process.exit(3);
    if (mode === 'throw') setTimeout(() => { throw new Error('boom'); }, 10);
    setInterval(() => {}, 1000);
  `;

  const cases: { mode: string; signal?: NodeJS.Signals; expect: { code: number | null; signal: NodeJS.Signals | null }; skip?: boolean }[] = [
    { mode: 'exit', expect: { code: 3, signal: null } },
    { mode: 'throw', expect: { code: 1, signal: null } },
    // Our handler must re-raise, so the process still dies *by* the signal.
    { mode: 'sigint', signal: 'SIGINT', expect: { code: null, signal: 'SIGINT' } },
    { mode: 'sigterm', signal: 'SIGTERM', expect: { code: null, signal: 'SIGTERM' } },
    // No JS runs at all here: only the watchdog can help.
    { mode: 'sigkill', signal: 'SIGKILL', expect: { code: null, signal: 'SIGKILL' }, skip: !hardDeathCleanupSupported() },
  ];

  for (const c of cases) {
    it(`kills children when the test process ${c.signal ? `gets ${c.signal}` : `does ${c.mode}`}`, { skip: c.skip }, async (t) => {
      const proc = spawnChild(node, ['--input-type=module', '-e', script, c.mode], { name: `victim-${c.mode}` });
      t.after(() => proc.stop(1_000));
      const { pids } = await proc.waitForEvent<{ event: string; pids: number[] }>('spawned');
      t.after(() => {
        for (const pid of pids) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
      });
      assert.equal(pids.length, 2);
      if (c.signal) {
        assert.ok(pids.every(isAlive), 'both up before the test process is signalled');
        proc.kill(c.signal);
      }
      assert.deepEqual(await proc.waitForExit(5_000), c.expect, proc.tail());
      await waitUntil(() => !pids.some(isAlive), 2_000, `processes ${pids.filter(isAlive).join(', ')} survived ${c.mode}`);
    });
  }
});
