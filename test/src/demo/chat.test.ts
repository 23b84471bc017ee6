/**
 * The chat demo (`nonstick --demo chat`) in a real browser: headless Chromium
 * driven by playwright-core, two browser contexts (two independent users),
 * once on one worker and once on three workers on Redis behind the project's
 * round-robin nginx.
 *
 * Cross-worker proof on the cluster: each page shows the worker that
 * answered its `whoami` ack sent over its WebSocket, i.e. the worker that
 * owns the session and runs its handlers (data-transport="websocket" is only
 * set by such an answer). The test makes the two pages' owners differ (a
 * reload of the second page after shifting nginx's rotation, if they happen
 * to collide) and checks both ids are among the cluster's workers; then
 * member lists (fetchSockets), messages (io.to(room).emit) and leaves must
 * cross between them.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startTarget, TARGETS, type Target } from '../engine/targets.js';
import { repoRoot } from '../support/paths.js';

const BIN = join(repoRoot(), 'packages', 'nonstick', 'dist', 'src', 'bin.js');
const CHROMIUM = process.env['NONSTICK_CHROMIUM'] ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];
const WAIT_MS = 10_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `get` until `ok` holds; fails with the last value seen. */
async function eventually<T>(what: string, get: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = WAIT_MS): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await get();
    if (ok(v)) return v;
    if (Date.now() > end) assert.fail(`${what}: still ${JSON.stringify(v)} after ${timeoutMs} ms`);
    await sleep(50);
  }
}

const sameList = (want: string[]) => (got: string[]) => JSON.stringify(got) === JSON.stringify(want);

interface ChatPage {
  nick: string;
  context: BrowserContext;
  page: Page;
  /** Uncaught page errors and console errors, for failure messages. */
  problems: string[];
  /** The worker that answered a whoami sent over the page's WebSocket. */
  worker: string;
}

async function openChat(browser: Browser, url: string, nick: string, opts: { tryBadNick?: boolean } = {}): Promise<ChatPage> {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT_MS);
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  const response = await page.goto(`${url}/`);
  assert.equal(response?.status(), 200);
  assert.match(response.headers()['content-security-policy'] ?? '', /script-src/);
  await page
    .locator('#state[data-state="connected"]')
    .waitFor()
    .catch(async (err: Error) => {
      const state = await page
        .locator('#state')
        .textContent()
        .catch(() => '?');
      throw new Error(`${nick}'s page never connected (state: ${state}; ${problems.join('; ') || 'no page errors'}): ${err.message}`);
    });

  if (opts.tryBadNick) {
    // Nickname validation is the server's, answered through the ack.
    await page.fill('#nick', '<b>bad</b>');
    await page.press('#nick', 'Enter');
    await eventually(
      'nickname error',
      () => page.locator('#nick-error').textContent(),
      (t) => /letters, digits/.test(t ?? ''),
    );
    assert.equal(await page.locator('#login').isVisible(), true, 'still on the login form');
  }
  await page.fill('#nick', nick);
  await page.press('#nick', 'Enter');
  await page.locator('#rooms li[data-room="lobby"]').waitFor();
  assert.equal(await page.locator('#me').textContent(), nick);

  // Wait for the upgrade and the worker id confirmed over the WebSocket.
  await eventually(
    'transport',
    () => page.locator('#transport').textContent(),
    (t) => t === 'websocket',
  );
  const workerEl = page.locator('#worker[data-transport="websocket"]');
  await workerEl.waitFor();
  const worker = (await workerEl.getAttribute('data-worker')) ?? '';
  return { nick, context, page, problems, worker };
}

async function joinRoom(p: ChatPage, room: string): Promise<void> {
  await p.page.fill('#room', room);
  await p.page.press('#room', 'Enter');
  await p.page.locator(`#rooms li.current[data-room="${room}"]`).waitFor();
}

const members = (p: ChatPage) => p.page.locator('#members li').allTextContents();

/** [from, text] of the room messages shown (the current room). */
async function messages(p: ChatPage): Promise<Array<[string, string]>> {
  const from = await p.page.locator('#messages li.message .from').allTextContents();
  const text = await p.page.locator('#messages li.message .text').allTextContents();
  return from.map((f, i) => [f, text[i] ?? '']);
}
const systemLines = (p: ChatPage) => p.page.locator('#messages li.system .text').allTextContents();

async function say(p: ChatPage, text: string): Promise<void> {
  await p.page.fill('#text', text);
  await p.page.press('#text', 'Enter');
}

describe('chat demo in headless Chromium', { timeout: 90_000 }, () => {
  let browser: Browser | undefined;

  before(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 20_000 });
  });
  after(async () => {
    await browser?.close().catch(() => undefined);
  });

  for (const kind of TARGETS) {
    describe(kind === 'single' ? '1 worker' : '3 workers behind nginx', () => {
      let target: Target | undefined;
      const pages: ChatPage[] = [];

      before(async () => {
        target = await startTarget(kind, ['--demo', 'chat'], { script: BIN });
      });
      after(async () => {
        await Promise.all(pages.map((p) => p.context.close().catch(() => undefined)));
        await target?.stop().catch(() => undefined);
      });

      it('two users chat in a room, see each other as members, and see each other leave', async (tc) => {
        const t = target!;
        const b = browser!;
        const workerIds = new Set(t.workers.map((w) => w.workerId));

        const alice = await openChat(b, t.url, 'alice', { tryBadNick: true });
        pages.push(alice);
        let bob = await openChat(b, t.url, 'bob');
        pages.push(bob);
        if (kind === 'cluster') {
          // Round robin is deterministic: if both sessions landed on one worker,
          // shift the rotation with one extra request and open bob again.
          for (let attempt = 1; bob.worker === alice.worker && attempt <= 6; attempt++) {
            tc.diagnostic(`both on ${bob.worker}: reopening bob (attempt ${attempt})`);
            await bob.context.close();
            pages.pop();
            await fetch(`${t.url}/favicon.ico`).then((r) => r.arrayBuffer());
            bob = await openChat(b, t.url, 'bob');
            pages.push(bob);
          }
          assert.notEqual(bob.worker, alice.worker, 'the two sessions are owned by different workers');
        }
        tc.diagnostic(`alice on ${alice.worker}, bob on ${bob.worker} (of ${[...workerIds].join(', ')})`);
        assert.ok(workerIds.has(alice.worker), `alice's worker ${alice.worker} is one of ${[...workerIds].join(', ')}`);
        assert.ok(workerIds.has(bob.worker), `bob's worker ${bob.worker} is one of ${[...workerIds].join(', ')}`);

        // Lobby first (joined by default), then a named room.
        await eventually("alice's lobby members", () => members(alice), sameList(['alice', 'bob']));
        await eventually("bob's lobby members", () => members(bob), sameList(['alice', 'bob']));
        const room = `room-${kind}`;
        await joinRoom(alice, room);
        await joinRoom(bob, room);
        await eventually(`alice's ${room} members`, () => members(alice), sameList(['alice', 'bob']));
        await eventually(`bob's ${room} members`, () => members(bob), sameList(['alice', 'bob']));
        await eventually(
          'alice sees bob join',
          () => systemLines(alice),
          (l) => l.includes('bob joined'),
        );

        // Messages both ways; markup in user text stays text.
        const fromAlice = 'hello bob <b>not bold</b> & <img src=x onerror=alert(1)>';
        await say(alice, fromAlice);
        await eventually(
          'bob receives alice',
          () => messages(bob),
          (m) => m.some(([f, x]) => f === 'alice' && x === fromAlice),
        );
        assert.equal(await bob.page.locator('#messages b, #messages img').count(), 0, 'no markup from user text');
        await say(bob, 'hi alice');
        await eventually(
          'alice receives bob',
          () => messages(alice),
          (m) => m.some(([f, x]) => f === 'bob' && x === 'hi alice'),
        );
        assert.deepEqual(await messages(alice), [
          ['alice', fromAlice],
          ['bob', 'hi alice'],
        ]);

        // Too long: the server refuses through the ack, nobody receives it.
        const tooLong = 'x'.repeat(501);
        await say(alice, tooLong);
        await eventually(
          'length error',
          () => alice.page.locator('#send-error').textContent(),
          (e) => /longer than 500/.test(e ?? ''),
        );
        await say(alice, 'last one');
        await eventually(
          'bob receives the last one',
          () => messages(bob),
          (m) => m.some(([, x]) => x === 'last one'),
        );
        assert.ok(!(await messages(bob)).some(([, x]) => x.startsWith(tooLong.slice(0, 3))), 'the refused message (or a cut of it) was not broadcast');

        // Bob leaves the room: alice's member list for it updates.
        await bob.page.locator(`#rooms li[data-room="${room}"] button.leave`).click();
        await bob.page.locator(`#rooms li[data-room="${room}"]`).waitFor({ state: 'detached' });
        await eventually(`alice's ${room} members after bob left`, () => members(alice), sameList(['alice']));
        await eventually(
          'alice sees bob leave',
          () => systemLines(alice),
          (l) => l.includes('bob left'),
        );

        // Bob closes his browser: he leaves the lobby too.
        await alice.page.locator('#rooms li[data-room="lobby"] button.room').click();
        await eventually("alice's lobby members before bob closes", () => members(alice), sameList(['alice', 'bob']));
        await bob.context.close();
        await eventually("alice's lobby members after bob closed", () => members(alice), sameList(['alice']));

        assert.deepEqual(alice.problems, [], 'no page errors');
        assert.deepEqual(bob.problems, [], 'no page errors');
      });
    });
  }
});
