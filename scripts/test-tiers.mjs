// Which compiled test file belongs to which tier, and how many of a tier's
// files may run at once.
//
// unit: starts no process and shares nothing with another file. In-process
// servers on port 0 count (nothing else can take their port), and so does one
// private redis-server on a free port (the redis contract tests): what matters
// is that two files never wait on one resource. These run many at a time.
//
// integration: clusters of worker processes, nginx, Chromium. Each file still
// starts its own services on free ports, so files can overlap, but each one
// keeps several processes busy; more than two at a time on a small machine
// only trades waiting for CPU starvation.
import { availableParallelism } from 'node:os';

const UNIT = [
  'packages/protocol/',
  'packages/server/',
  'packages/redis/dist/test/redis-store.test.js',
  'packages/redis/dist/test/redis-bus.test.js',
  'packages/redis/dist/test/redis-specifics.test.js',
  'packages/redis/dist/test/outage.test.js',
  'test/dist/src/config/',
  'test/dist/src/docs/',
  'test/dist/src/support-tests/ports.test.js',
];

/** 'unit' or 'integration' for a path relative to the repository root. */
export function tierOf(relPath) {
  return UNIT.some((prefix) => relPath.startsWith(prefix)) ? 'unit' : 'integration';
}

export const TIERS = ['unit', 'integration', 'node24'];

/**
 * The node24 tier runs these files again on Node 24 with the node:http + ws
 * host everywhere (no uWebSockets.js build loads on Node 24 with glibc 2.36):
 * the server's own tests (the host contract included; in-process engines
 * pick the node host there by themselves), every single-worker suite of every
 * protocol generation and transport (raw wire, real clients, the old browser
 * clients), the attach/Express/Fastify suite, and one whole cluster on Redis
 * behind nginx (failover: SIGKILLed owners, takeovers, relays). The other
 * cluster suites run on Node 20 only: their clusters mix both hosts (see
 * test/src/fixtures/cluster.ts), and what differs between Node versions is
 * the host's runtime, which the single-worker suites cover; running them
 * twice cost a minute of the five the whole suite may take.
 * uws-host.test.js is left out: it is about a host that cannot load there.
 */
const NODE24 = [
  'packages/server/dist/test/',
  'test/dist/src/engine/eio-clients.test.js',
  'test/dist/src/engine/connection-close.test.js',
  'test/dist/src/engine/second-websocket.test.js',
  'test/dist/src/engine/failover.test.js',
  'test/dist/src/sio/attach.test.js',
  'test/dist/src/sio/features.test.js',
  'test/dist/src/sio/parity.test.js',
  'test/dist/src/sio/engine-headers.test.js',
  'test/dist/src/sio/conn-transport.test.js',
  'test/dist/src/legacy/wire.test.js',
  'test/dist/src/legacy/browser.test.js',
  'test/dist/src/sio06/wire.test.js',
  'test/dist/src/sio06/browser.test.js',
];
const NOT_ON_NODE24 = ['packages/server/dist/test/uws-host.test.js'];

/** Whether a file (relative path) also runs in the node24 tier. */
export function onNode24(relPath) {
  return NODE24.some((p) => relPath.startsWith(p)) && !NOT_ON_NODE24.includes(relPath);
}

/**
 * Files that take longest, started first so none of them is left to run
 * alone at the end (the runner starts files in the order given). Used when
 * no earlier run left its own timings (see run-tests.mjs).
 */
export const SLOW_FIRST = [
  'test/dist/src/legacy/browser.cluster.test.js',
  'test/dist/src/sio06/browser.cluster.test.js',
  'test/dist/src/legacy/browser.test.js',
  'test/dist/src/sio06/browser.test.js',
  'test/dist/src/sio06/wire.cluster.test.js',
  'test/dist/src/sio06/wire.test.js',
  'test/dist/src/legacy/wire.cluster.test.js',
  'test/dist/src/legacy/wire.test.js',
  'bench/dist/test/smoke.test.js',
  'test/dist/src/ops/prometheus.test.js',
];

/**
 * Integration files that drive Chromium are the heaviest CPU users and
 * time what the pages see; two at once (two browsers, eight pages, two
 * clusters) starved each other on 2 cores. They run one at a time, in a
 * lane of their own beside the other integration files.
 */
const BROWSER = /\/(browser(\.cluster)?|chat)\.test\.js$/;

/** The lane of a file: files of one tier in different lanes run side by side, each lane with its own concurrency. */
export function laneOf(tier, relPath) {
  if (tier === 'unit') return 'unit';
  const browser = BROWSER.test(relPath);
  if (tier === 'node24') return browser ? 'node24-browser' : 'node24';
  return browser ? 'browser' : 'integration';
}

/** Files of a lane that run at once; TEST_CONCURRENCY overrides every lane. */
export function concurrencyOf(lane) {
  const forced = Number(process.env.TEST_CONCURRENCY);
  if (Number.isInteger(forced) && forced > 0) return forced;
  // Unit files are short and mostly wait on process start-up and module
  // loading, so twice the cores keeps the cores busy.
  if (lane === 'unit') return Math.max(2, availableParallelism() * 2);
  return lane === 'browser' || lane === 'node24-browser' ? 1 : 2;
}
