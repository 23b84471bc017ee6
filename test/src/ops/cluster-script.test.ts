/**
 * `pnpm cluster` (scripts/cluster.mjs), end to end: Redis, two chat-demo
 * workers and nginx with the project config, started by the script; the
 * chat page and a room broadcast through nginx with two socket.io-client
 * 4.x clients; a SIGKILLed worker comes back on its port and serves again;
 * then SIGINT, and every process the script started (the restarted worker
 * too) must be gone (nginx's workers too: its whole process group) and its
 * temp dir removed. Then `pnpm cluster -- --app FILE` with a worker flag:
 * the user's app on the workers, the flag passed on, a bad --app refused
 * before anything starts.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { SioClient } from '../clients/sio.js';
import { spawnChild, type Child, type ChildEvent } from '../support/children.js';
import { repoRoot } from '../support/paths.js';

interface RestartedEvent extends ChildEvent {
  name: string;
  id: string;
  pid: number;
  port: number;
  url: string;
  restarts: number;
}

interface ReadyEvent extends ChildEvent {
  url: string;
  port: number;
  workers: Array<{ id: string; pid: number; port: number; url: string }>;
  redis: { url: string; pid: number | null };
  nginx: { pid: number; prefix: string };
  watchdog: number | null;
  tempDir: string;
  pid: number;
}

const SCRIPT = join(repoRoot(), 'scripts', 'cluster.mjs');

/** True while a process (or, with a negative id, any member of a process group) exists. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function waitGone(what: string, pid: number, timeoutMs = 5_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (alive(pid)) {
    if (Date.now() > end) assert.fail(`${what} (${pid}) still alive ${timeoutMs} ms after the script stopped`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * Like connectSio('v4', url, 'polling'), without its pending 15 s
 * connect_error wait (which would keep this test file alive that long).
 */
async function connect(url: string, clients: SioClient[]): Promise<SioClient> {
  const c = new SioClient('v4', url, 'polling');
  clients.push(c);
  await c.connected(15_000).catch((err: Error) => {
    const e = c.received('$connect_error')[0]?.[0] as Error | undefined;
    throw new Error(`${err.message}${e ? ` (connect_error: ${e.message})` : ''}`);
  });
  return c;
}

describe('pnpm cluster (scripts/cluster.mjs)', { timeout: 120_000 }, () => {
  let script: Child | undefined;
  const clients: SioClient[] = [];
  after(async () => {
    for (const c of clients) c.close();
    await script?.stop(10_000, 'SIGTERM');
  });

  it('serves the chat through nginx on 2 workers, restarts a killed worker and stops everything on SIGINT', async () => {
    // Own Redis, not the caller's; stdin is not a TTY (spawnChild ignores stdin).
    script = spawnChild(process.execPath, [SCRIPT, '--workers', '2', '--port', '0'], { name: 'cluster', env: { REDIS_URL: undefined, PORT: undefined } });
    const ready = await script.waitForEvent<ReadyEvent>('cluster-ready', 45_000);
    assert.equal(ready.workers.length, 2);
    assert.match(ready.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    assert.match(ready.redis.url, /^redis:\/\/127\.0\.0\.1:\d+$/);
    assert.ok(ready.redis.pid && ready.nginx.pid && ready.workers.every((w) => w.pid > 0));
    assert.ok(existsSync(ready.tempDir), 'temp dir exists while running');
    assert.equal(new Set(ready.workers.map((w) => w.id)).size, 2, 'distinct worker ids');

    // The chat page, through nginx.
    const page = await fetch(ready.url);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    assert.match(await page.text(), /<html/i);
    // Each worker answers directly too.
    for (const w of ready.workers) assert.equal((await fetch(w.url)).status, 200);

    // Two clients through nginx (round robin spreads their requests over both workers).
    const base = ready.url.replace(/\/$/, '');
    const alice = await connect(base, clients);
    const bob = await connect(base, clients);
    for (const [c, nick] of [
      [alice, 'alice'],
      [bob, 'bob'],
    ] as const) {
      assert.deepEqual((await c.ack('nick', nick))[0], { ok: true, nick, worker: ((await c.ack('whoami'))[0] as { worker: string }).worker });
      assert.equal(((await c.ack('join', 'lobby'))[0] as { ok: boolean }).ok, true);
    }
    const workersSeen = new Set<string>();
    for (const c of [alice, bob]) workersSeen.add(((await c.ack('whoami'))[0] as { worker: string }).worker);
    for (const w of workersSeen)
      assert.ok(
        ready.workers.some((x) => x.id === w),
        `session owner ${w} is one of the cluster's workers`,
      );

    const gotA = alice.next('message', 10_000);
    const gotB = bob.next('message', 10_000);
    assert.deepEqual((await alice.ack('message', 'lobby', 'hello from alice'))[0], { ok: true });
    for (const [who, got] of [
      ['alice', gotA],
      ['bob', gotB],
    ] as const) {
      const [msg] = (await got) as [{ room: string; from: string; text: string }];
      assert.deepEqual(
        { room: msg.room, from: msg.from, text: msg.text },
        { room: 'lobby', from: 'alice', text: 'hello from alice' },
        `${who} got the room broadcast`,
      );
    }
    for (const c of clients.splice(0)) c.close();

    // A worker killed outright comes back on the same port, so nginx's upstream list stays right.
    const victim = ready.workers[0]!;
    const since = script.eventCount;
    process.kill(victim.pid, 'SIGKILL');
    const back = await script.waitForEvent<RestartedEvent>('worker-restarted', 30_000, { since });
    assert.equal(back.name, 'worker-1');
    assert.equal(back.port, victim.port);
    assert.equal(back.restarts, 1);
    assert.notEqual(back.pid, victim.pid);
    assert.notEqual(back.id, victim.id, 'a new worker identity: the dead one is reaped by the cluster');
    await script.waitForLine(
      new RegExp(`worker-1 \\(pid ${victim.pid}\\) exited unexpectedly \\(signal SIGKILL\\); restarting it on port ${victim.port}`),
      5_000,
    );
    await waitGone('killed worker', victim.pid);
    assert.equal((await fetch(back.url)).status, 200);
    const carol = await connect(back.url.replace(/\/$/, ''), clients);
    assert.equal(((await carol.ack('whoami'))[0] as { worker: string }).worker, back.id, 'the restarted worker serves Socket.IO');
    const dave = await connect(base, clients);
    for (const [c, nick] of [
      [carol, 'carol'],
      [dave, 'dave'],
    ] as const) {
      assert.equal(((await c.ack('nick', nick))[0] as { ok: boolean }).ok, true);
      assert.equal(((await c.ack('join', 'lobby'))[0] as { ok: boolean }).ok, true);
    }
    const gotC = carol.next('message', 10_000);
    assert.deepEqual((await dave.ack('message', 'lobby', 'after the restart'))[0], { ok: true });
    assert.equal(((await gotC)[0] as { text: string }).text, 'after the restart', 'the restarted worker is on the cluster bus');
    for (const c of clients.splice(0)) c.close();

    // Ctrl-C: everything it started goes away, and so does its temp dir.
    assert.ok(script.kill('SIGINT'));
    const exit = await script.waitForExit(20_000);
    assert.equal(exit.code, 0, script.tail());
    assert.ok(script.events().some((e) => e.event === 'cluster-stopped'));
    for (const w of [...ready.workers, back]) await waitGone(`worker ${w.id}`, w.pid);
    await waitGone('redis-server', ready.redis.pid);
    await waitGone('nginx master', ready.nginx.pid);
    // Process groups: nginx's workers, anything a worker forked.
    for (const pid of [ready.nginx.pid, ready.redis.pid, back.pid, ...ready.workers.map((w) => w.pid)]) await waitGone(`process group ${pid}`, -pid);
    if (ready.watchdog) await waitGone('watchdog', ready.watchdog);
    assert.equal(existsSync(ready.tempDir), false, 'temp dir removed');
  });
});

describe('pnpm cluster -- --app FILE', { timeout: 60_000 }, () => {
  const APP = fileURLToPath(new URL('../fixtures/app-esm.js', import.meta.url));
  let script: Child | undefined;
  const clients: SioClient[] = [];
  after(async () => {
    for (const c of clients) c.close();
    await script?.stop(10_000, 'SIGTERM');
  });

  /** As pnpm runs it: in the repo root, with the directory it was typed in as INIT_CWD, and the `--` passed on. */
  const pnpmEnv = { REDIS_URL: undefined, PORT: undefined, npm_lifecycle_event: 'cluster', INIT_CWD: dirname(APP) };

  it('runs the app (relative to where pnpm was run) on the workers, with the worker flags given', async () => {
    script = spawnChild(process.execPath, [SCRIPT, '--', '--app', './app-esm.js', '--workers', '1', '--port', '0', '--ping-interval', '6000'], {
      name: 'cluster',
      cwd: repoRoot(),
      env: pnpmEnv,
    });
    const ready = await script.waitForEvent<ReadyEvent>('cluster-ready', 45_000);
    const c = await connect(ready.url.replace(/\/$/, ''), clients);
    assert.deepEqual(await c.ack('hello'), ['hello from the app', ready.workers[0]!.id]);
    const handshake = JSON.parse((await (await fetch(`${ready.url}socket.io/?EIO=4&transport=polling`)).text()).slice(1));
    assert.equal(handshake.pingInterval, 6000, "the worker flag, over the app's own 4321");
    assert.ok(script.kill('SIGINT'));
    assert.equal((await script.waitForExit(20_000)).code, 0, script.tail());
  });

  it('refuses a missing app, or --app with --demo, before starting anything', async () => {
    for (const [args, message] of [
      [['--', '--app', './nope.js'], `--app ./nope.js: no such file (${join(dirname(APP), 'nope.js')})`],
      [['--app', APP, '--demo', 'chat'], '--app and --demo are mutually exclusive'],
      [['--app', APP, '--worker-id', 'w1'], '--worker-id: not a worker flag here'],
    ] as const) {
      const bad = spawnChild(process.execPath, [SCRIPT, ...args], { name: 'cluster', cwd: repoRoot(), env: pnpmEnv });
      assert.equal((await bad.waitForExit(10_000)).code, 2, bad.tail());
      assert.ok(
        bad.lines('stderr').some((l) => l.includes(message)),
        bad.tail(),
      );
      assert.equal(bad.events().length, 0, 'nothing started');
    }
  });
});
