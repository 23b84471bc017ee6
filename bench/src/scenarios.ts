/**
 * The scenarios. Each runs against one started target, bounded in
 * connections and time, and returns its figures. Server CPU is read from
 * /proc at the edges of the measured window (measure/proc.ts), so "CPU per
 * operation" is what the server processes spent, whatever else ran.
 */
import { Histogram } from './measure/histogram.js';
import { CLK_TCK, cpuDelta, sample, selfCpuMs, type Sample } from './measure/proc.js';
import { ErrorTally, type SioClient, type TransportName } from './load/client.js';
import { PollingClient } from './load/polling.js';
import { WsClient } from './load/ws.js';
import type { SourceAddresses } from './load/addresses.js';
import type { RunningTarget, TargetId } from './targets.js';

export type ScenarioId = 'connect' | 'idle' | 'echo' | 'broadcast' | 'polling' | 'xbroadcast' | 'failover';

export interface Params {
  connect: { clients: number; concurrency: number };
  idle: { clients: number; concurrency: number };
  echo: { clients: number; window: number; warmupMs: number; durationMs: number; rate: number; pacedMs: number };
  broadcast: { room: number; rate: number; warmupMs: number; durationMs: number };
  polling: { clients: number; warmupMs: number; durationMs: number };
  xbroadcast: { room: number; rate: number; warmupMs: number; durationMs: number };
  failover: { clients: number; intervalMs: number; durationMs: number; killAtMs: number; graceMs: number };
}

export interface Cpu {
  /** Server (workers) CPU in the measured window, ms. */
  workersMs: number;
  redisMs?: number;
  nginxMs?: number;
  /** The load generator (this process), ms. */
  loadgenMs: number;
  /** The measured window, ms of wall time. */
  wallMs: number;
}

export interface ScenarioResult {
  metrics: Record<string, number>;
  params: Record<string, number | string>;
  errors: Record<string, number>;
  notes: string[];
  cpu: Cpu | null;
  /** Acks per 100 ms over time (failover), for the report's chart. */
  timeline?: { binMs: number; killAtMs: number; acks: number[] };
}

export interface ScenarioContext {
  target: RunningTarget;
  addrs: SourceAddresses;
  /** Report progress within the scenario (0..1). */
  progress(fraction: number): void;
}

export interface ScenarioDef {
  id: ScenarioId;
  label: string;
  describe: string;
  appliesTo(id: TargetId): boolean;
  run(ctx: ScenarioContext, p: Params): Promise<ScenarioResult>;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const now = () => performance.now();

const SINGLE: TargetId[] = ['nonstick', 'nonstick-node', 'socketio-ws', 'socketio-uws', 'ceiling'];
const CLUSTERS: TargetId[] = ['nonstick-cluster', 'socketio-cluster'];

// ---------------------------------------------------------------------------
// connections

interface Opened {
  clients: SioClient[];
  failed: number;
}

function makeClient(ctx: ScenarioContext, transport: TransportName, timeoutMs: number): { client: SioClient; ready: Promise<void> } {
  const address = ctx.addrs.next();
  if (transport === 'websocket') {
    const c = new WsClient();
    return { client: c, ready: c.connect({ baseUrl: ctx.target.url, localAddress: address, timeoutMs }) };
  }
  const c = new PollingClient();
  return { client: c, ready: c.connect({ baseUrl: ctx.target.url, agent: ctx.addrs.agent(address), timeoutMs }) };
}

/** Opens `n` sessions, `concurrency` handshakes at a time; failures are tallied, not thrown. */
async function openMany(
  ctx: ScenarioContext,
  n: number,
  opts: {
    transport: TransportName;
    concurrency: number;
    errors: ErrorTally;
    hist?: Histogram;
    timeoutMs?: number;
    attempts?: number;
    onProgress?: (done: number) => void;
  },
): Promise<Opened> {
  const clients: SioClient[] = [];
  let failed = 0;
  let started = 0;
  let done = 0;
  const attempts = opts.attempts ?? 1;
  const one = async (): Promise<void> => {
    for (let attempt = 1; ; attempt++) {
      const t0 = now();
      const { client, ready } = makeClient(ctx, opts.transport, opts.timeoutMs ?? 10_000);
      try {
        await ready;
        opts.hist?.record((now() - t0) * 1000);
        clients.push(client);
        return;
      } catch (err) {
        opts.errors.add(client.closeReason || (err as Error).message);
        client.close(false);
        if (attempt >= attempts) {
          failed++;
          return;
        }
        await sleep(50);
      }
    }
  };
  const lane = async (): Promise<void> => {
    while (started < n) {
      started++;
      await one();
      done++;
      opts.onProgress?.(done);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.concurrency, n)) }, lane));
  return { clients, failed };
}

function closeAll(clients: SioClient[], graceful: boolean): void {
  for (const c of clients) {
    c.onClose = null;
    c.onBcast = null;
    c.close(graceful);
  }
}

function cpuOf(a: Sample, b: Sample, loadgenMs: number): Cpu {
  const cpu: Cpu = { workersMs: cpuDelta(a, b, 'workers'), loadgenMs, wallMs: b.at - a.at };
  if (a.roles['redis']) cpu.redisMs = cpuDelta(a, b, 'redis');
  if (a.roles['nginx']) cpu.nginxMs = cpuDelta(a, b, 'nginx');
  return cpu;
}

/** Server CPU including Redis and nginx (clusters), ms. */
function allMs(cpu: Cpu): number {
  return cpu.workersMs + (cpu.redisMs ?? 0) + (cpu.nginxMs ?? 0);
}

function rssOf(s: Sample, role: string): number {
  return s.roles[role]?.rss ?? 0;
}

function utilisation(cpu: Cpu, metrics: Record<string, number>): void {
  metrics['serverBusyPct'] = (cpu.workersMs / cpu.wallMs) * 100;
  metrics['loadgenBusyPct'] = (cpu.loadgenMs / cpu.wallMs) * 100;
}

function saturationNotes(metrics: Record<string, number>, notes: string[]): void {
  if ((metrics['loadgenBusyPct'] ?? 0) > 90)
    notes.push(
      "the load generator was saturated (one core): throughput and latency here are bounded by the client, CPU per operation is still the server's own",
    );
}

/** utime/stime count in ticks (1/CLK_TCK s): too few of them and a per-operation figure is noise. */
function precisionNote(cpu: Cpu, notes: string[]): void {
  const tickMs = 1000 / CLK_TCK;
  if (cpu.workersMs < 20 * tickMs)
    notes.push(
      `the server spent only ${cpu.workersMs.toFixed(0)} ms of CPU in the window (the kernel counts it in ${tickMs} ms ticks): its CPU per operation is imprecise; use longer runs (--full, --duration)`,
    );
}

function latency(metrics: Record<string, number>, h: Histogram): void {
  const s = h.summaryMs();
  metrics['p50Ms'] = s.p50;
  metrics['p90Ms'] = s.p90;
  metrics['p99Ms'] = s.p99;
  metrics['maxMs'] = s.max;
}

// ---------------------------------------------------------------------------
// connect / idle

async function connectScenario(ctx: ScenarioContext, p: { clients: number; concurrency: number }): Promise<ScenarioResult> {
  const { target } = ctx;
  const errors = new ErrorTally();
  const hist = new Histogram();
  await target.gc();
  const before = sample(target.groups);
  const self0 = selfCpuMs();
  const { clients, failed } = await openMany(ctx, p.clients, {
    transport: 'websocket',
    concurrency: p.concurrency,
    errors,
    hist,
    onProgress: (d) => ctx.progress((0.8 * d) / p.clients),
  });
  const after = sample(target.groups);
  const cpu = cpuOf(before, after, selfCpuMs() - self0);
  // Let the sessions settle (timers, first writes), then read RSS after a full GC.
  await sleep(300);
  await target.gc();
  const idle = sample(target.groups);
  ctx.progress(0.9);
  const ok = clients.length;
  const metrics: Record<string, number> = {
    connected: ok,
    failed,
    ratePerSec: ok / (cpu.wallMs / 1000),
    cpuPerConnMs: ok ? cpu.workersMs / ok : NaN,
    rssPerConnKiB: ok ? (rssOf(idle, 'workers') - rssOf(before, 'workers')) / ok / 1024 : NaN,
    rssTotalMiB: rssOf(idle, 'workers') / 1048576,
  };
  if (cpu.redisMs !== undefined) {
    metrics['cpuAllPerConnMs'] = ok ? allMs(cpu) / ok : NaN;
    metrics['rssAllPerConnKiB'] = ok ? (rssOf(idle, 'workers') + rssOf(idle, 'redis') - rssOf(before, 'workers') - rssOf(before, 'redis')) / ok / 1024 : NaN;
  }
  latency(metrics, hist);
  utilisation(cpu, metrics);
  const notes: string[] = [];
  saturationNotes(metrics, notes);
  precisionNote(cpu, notes);
  closeAll(clients, p.clients <= 5_000);
  await sleep(Math.min(2_000, 200 + p.clients / 50));
  return { metrics, params: { ...p, transport: 'websocket', sourceAddresses: ctx.addrs.list.length }, errors: errors.toJSON(), notes, cpu };
}

// ---------------------------------------------------------------------------
// echo (websocket) and polling echo

async function echoScenario(
  ctx: ScenarioContext,
  p: { clients: number; window: number; warmupMs: number; durationMs: number; rate?: number; pacedMs?: number },
  transport: TransportName,
): Promise<ScenarioResult> {
  const { target } = ctx;
  const errors = new ErrorTally();
  const opened = await openMany(ctx, p.clients, { transport, concurrency: 50, errors, attempts: transport === 'polling' ? 3 : 1 });
  const clients = opened.clients;
  const hist = new Histogram();
  const t0 = now();
  const tMeasure = t0 + p.warmupMs;
  const tEnd = tMeasure + p.durationMs;
  let acks = 0;
  let bad = 0;
  let lost = 0;
  let sessionsLost = 0;
  let reconnected = 0;
  let stopped = false;

  /** Send time of the oldest unanswered emit per client (for the stall count). */
  const oldest = new Map<SioClient, number>();
  const drive = (c: SioClient): void => {
    let i = 0;
    const send = () => {
      if (stopped || c.closed) return;
      const n = i++;
      const t = now();
      if (!oldest.has(c)) oldest.set(c, t);
      c.emitWithAck(`"echo",${n},"hello"`, (args) => {
        const at = now();
        if (oldest.get(c) === t) oldest.delete(c);
        if (args !== `[${n},"hello"]`) bad++;
        if (at >= tMeasure && at <= tEnd) {
          acks++;
          hist.record((at - t) * 1000);
        }
        send();
      });
    };
    c.onClose = (reason) => {
      errors.add(reason);
      sessionsLost++;
      lost += c.dropPendingAcks();
      // Reconnect (bounded by the scenario's end), as a client library would.
      if (!stopped && now() < tEnd - 200) {
        void sleep(100).then(async () => {
          if (stopped) return;
          const again = await openMany(ctx, 1, { transport, concurrency: 1, errors });
          const nc = again.clients[0];
          if (!nc) return;
          if (stopped) return nc.close(false);
          reconnected++;
          clients.push(nc);
          drive(nc);
        });
      }
    };
    for (let w = 0; w < p.window; w++) send();
  };
  for (const c of clients) drive(c);

  let s0: Sample | null = null;
  let self0 = 0;
  const total = tEnd - t0 + (p.rate && p.pacedMs ? p.pacedMs : 0);
  const ticker = setInterval(() => ctx.progress(Math.min(1, (now() - t0) / total)), 200);
  await sleep(Math.max(0, tMeasure - now()));
  s0 = sample(target.groups);
  self0 = selfCpuMs();
  await sleep(Math.max(0, tEnd - now()));
  const s1 = sample(target.groups);
  const cpu = cpuOf(s0, s1, selfCpuMs() - self0);
  stopped = true;
  // Emits unanswered for more than a second at the end of the window: a
  // stalled session (or a lost wake-up) rather than a slow one.
  let stalled = 0;
  for (const [c, t] of oldest) if (!c.closed && s1.at - t > 1_000) stalled++;
  // In-flight acks may still arrive; they are outside the window.
  await sleep(100);
  const metrics: Record<string, number> = {
    connected: opened.clients.length,
    acksPerSec: acks / (p.durationMs / 1000),
    cpuPerAckUs: acks ? (cpu.workersMs * 1000) / acks : NaN,
    loadgenCpuPerAckUs: acks ? (cpu.loadgenMs * 1000) / acks : NaN,
    errors: errors.total + bad,
    sessionsLost,
    stalled,
  };
  if (cpu.redisMs !== undefined) metrics['cpuAllPerAckUs'] = acks ? (allMs(cpu) * 1000) / acks : NaN;
  latency(metrics, hist);
  utilisation(cpu, metrics);
  const notes: string[] = [];
  if (bad) notes.push(`${bad} acks did not carry the echoed arguments`);
  if (opened.failed) notes.push(`${opened.failed} of ${p.clients} clients could not connect`);
  if (stalled) notes.push(`${stalled} of ${clients.length} clients had an emit unanswered for over 1 s at the end of the window (stalled, not slow)`);
  if (sessionsLost) notes.push(`${sessionsLost} sessions ended during the run (${lost} emits never acknowledged); ${reconnected} reconnected`);
  saturationNotes(metrics, notes);
  let reported = cpu;
  if (p.rate && p.pacedMs) {
    // Second window: the same offered load for every server. CPU per ack is
    // compared here: at saturation a server that batches more per wake-up
    // (because it is slower) looks cheaper per operation than it is.
    metrics['cpuPerAckSatUs'] = metrics['cpuPerAckUs']!;
    if (metrics['cpuAllPerAckUs'] !== undefined) metrics['cpuAllPerAckSatUs'] = metrics['cpuAllPerAckUs'];
    const paced = await pacedEcho(
      ctx,
      clients.filter((c) => !c.closed),
      p.rate,
      p.pacedMs,
      (f) => ctx.progress((tEnd - t0 + f * p.pacedMs!) / total),
    );
    reported = paced.cpu;
    metrics['pacedRate'] = p.rate;
    metrics['pacedAcksPerSec'] = paced.acks / (p.pacedMs / 1000);
    metrics['cpuPerAckUs'] = paced.acks ? (paced.cpu.workersMs * 1000) / paced.acks : NaN;
    if (paced.cpu.redisMs !== undefined) metrics['cpuAllPerAckUs'] = paced.acks ? (allMs(paced.cpu) * 1000) / paced.acks : NaN;
    const s = paced.hist.summaryMs();
    metrics['pacedP50Ms'] = s.p50;
    metrics['pacedP99Ms'] = s.p99;
    metrics['pacedServerBusyPct'] = (paced.cpu.workersMs / paced.cpu.wallMs) * 100;
    if (paced.bad) notes.push(`${paced.bad} paced acks did not carry the echoed arguments`);
    if (paced.acks < 0.95 * paced.sent)
      notes.push(`could not sustain the paced ${p.rate} emits/s (${Math.round(metrics['pacedAcksPerSec'])} acks/s): its CPU per ack is at saturation`);
  }
  clearInterval(ticker);
  if (Number.isFinite(metrics['cpuPerAckUs'])) precisionNote(reported, notes);
  closeAll(clients, true);
  await sleep(150);
  return { metrics, params: { ...p, transport }, errors: errors.toJSON(), notes, cpu: reported };
}

/**
 * Open loop: `rate` emits/s spread round robin over the clients (at most 64
 * unanswered per client), for `durationMs`; the CPU window also covers the
 * last acks (up to 1 s after the end).
 */
async function pacedEcho(
  ctx: ScenarioContext,
  clients: SioClient[],
  rate: number,
  durationMs: number,
  progress: (f: number) => void,
): Promise<{ acks: number; sent: number; bad: number; hist: Histogram; cpu: Cpu }> {
  const hist = new Histogram();
  let sent = 0;
  let issued = 0;
  let acks = 0;
  let bad = 0;
  if (clients.length === 0) return { acks, sent, bad, hist, cpu: { workersMs: 0, loadgenMs: 0, wallMs: 1 } };
  const s0 = sample(ctx.target.groups);
  const self0 = selfCpuMs();
  const t0 = now();
  const tEnd = t0 + durationMs;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const t = now();
      const due = Math.floor(((Math.min(t, tEnd) - t0) / 1000) * rate);
      while (sent < due) {
        const c = clients[sent % clients.length]!;
        sent++;
        if (c.closed || c.pendingAcks >= 64) continue;
        const n = issued++;
        const ts = now();
        c.emitWithAck(`"echo",${n},"hello"`, (args) => {
          if (args !== `[${n},"hello"]`) bad++;
          acks++;
          hist.record((now() - ts) * 1000);
        });
      }
      progress(Math.min(1, (t - t0) / durationMs));
      if (t >= tEnd) {
        clearInterval(timer);
        resolve();
      }
    }, 1);
  });
  while (acks + bad < issued && now() - tEnd < 1_000) await sleep(5);
  const s1 = sample(ctx.target.groups);
  return { acks, sent, bad, hist, cpu: cpuOf(s0, s1, selfCpuMs() - self0) };
}

// ---------------------------------------------------------------------------
// broadcast fan-out

async function broadcastScenario(ctx: ScenarioContext, p: { room: number; rate: number; warmupMs: number; durationMs: number }): Promise<ScenarioResult> {
  const { target } = ctx;
  const errors = new ErrorTally();
  const opened = await openMany(ctx, p.room + 1, {
    transport: 'websocket',
    concurrency: 50,
    errors,
    onProgress: (d) => ctx.progress((0.2 * d) / (p.room + 1)),
  });
  const [sender, ...members] = opened.clients;
  const notes: string[] = [];
  if (!sender || members.length === 0) {
    closeAll(opened.clients, false);
    return { metrics: { connected: opened.clients.length }, params: p, errors: errors.toJSON(), notes: ['could not connect the room'], cpu: null };
  }
  const room = `room-${Math.random().toString(36).slice(2, 8)}`;
  await Promise.all(
    members.map(
      (m) =>
        new Promise<void>((resolve) => {
          const t = setTimeout(() => {
            errors.add('join not acknowledged in 10 s');
            resolve();
          }, 10_000);
          m.emitWithAck(`"join","${room}"`, () => {
            clearTimeout(t);
            resolve();
          });
        }),
    ),
  );
  const hist = new Histogram();
  let tMeasure = Infinity;
  let received = 0;
  let late = 0;
  for (const m of members) {
    m.onBcast = (rest) => {
      const at = now();
      const t = parseFloat(rest);
      if (t < tMeasure) return;
      received++;
      hist.record((at - t) * 1000);
      if (at - t > 10_000) late++;
    };
    m.onClose = (reason) => errors.add(reason);
  }
  sender.onClose = (reason) => errors.add(`sender: ${reason}`);
  const send = () => sender.emit(`"broadcast","${room}",${now()}`);

  // Paced sender: as many as are due every 2 ms.
  const pace = (from: number, until: number): Promise<number> =>
    new Promise((resolve) => {
      let sent = 0;
      const timer = setInterval(() => {
        const t = now();
        const due = Math.min(Math.floor(((Math.min(t, until) - from) / 1000) * p.rate), Math.floor(((until - from) / 1000) * p.rate));
        while (sent < due) {
          send();
          sent++;
        }
        ctx.progress(0.2 + 0.8 * Math.min(1, (t - from) / (until - from)));
        if (t >= until) {
          clearInterval(timer);
          resolve(sent);
        }
      }, 2);
    });
  const tw = now();
  await pace(tw, tw + p.warmupMs);
  await sleep(200);
  tMeasure = now();
  const s0 = sample(target.groups);
  const self0 = selfCpuMs();
  const sent = await pace(tMeasure, tMeasure + p.durationMs);
  const tSent = now();
  const expected = sent * members.length;
  // Wait for the stragglers, at most 2 s.
  while (received < expected && now() - tSent < 2_000) await sleep(10);
  const s1 = sample(target.groups);
  const cpu = cpuOf(s0, s1, selfCpuMs() - self0);
  const metrics: Record<string, number> = {
    members: members.length,
    sent,
    deliveriesPerSec: received / ((s1.at - s0.at) / 1000),
    lossPct: expected ? (Math.max(0, expected - received) / expected) * 100 : NaN,
    cpuPerDeliveryUs: received ? (cpu.workersMs * 1000) / received : NaN,
    loadgenCpuPerDeliveryUs: received ? (cpu.loadgenMs * 1000) / received : NaN,
    errors: errors.total,
  };
  if (cpu.redisMs !== undefined) metrics['cpuAllPerDeliveryUs'] = received ? (allMs(cpu) * 1000) / received : NaN;
  latency(metrics, hist);
  utilisation(cpu, metrics);
  if (received > expected) notes.push(`${received - expected} deliveries more than sent × members (duplicates)`);
  if (members.length < p.room) notes.push(`room of ${members.length}, not ${p.room}: some clients could not connect`);
  if (late) notes.push(`${late} deliveries took more than 10 s`);
  saturationNotes(metrics, notes);
  precisionNote(cpu, notes);
  closeAll(opened.clients, true);
  await sleep(200);
  return { metrics, params: { ...p, room: members.length, transport: 'websocket' }, errors: errors.toJSON(), notes, cpu };
}

// ---------------------------------------------------------------------------
// failover

async function failoverScenario(ctx: ScenarioContext, p: Params['failover']): Promise<ScenarioResult> {
  const { target } = ctx;
  const errors = new ErrorTally();
  const half = Math.ceil(p.clients / 2);
  const ws = await openMany(ctx, half, { transport: 'websocket', concurrency: 50, errors });
  const poll = await openMany(ctx, p.clients - half, { transport: 'polling', concurrency: 50, errors, attempts: 3 });
  const binMs = 100;
  const t0 = now();
  const tKill = t0 + p.killAtMs;
  const tEnd = t0 + p.durationMs;
  const bins = new Array<number>(Math.ceil((p.durationMs + p.graceMs) / binMs) + 1).fill(0);
  let stopped = false;
  let sent = 0;
  let acked = 0;
  let lost = 0;
  const lostBy: Record<TransportName, number> = { websocket: 0, polling: 0 };
  let reconnects = 0;
  let killedAt = NaN;
  /** Per logical client: last ack before the kill, first ack after it. */
  interface Track {
    transport: TransportName;
    lastBefore: number;
    firstAfter: number;
    client: SioClient;
  }
  const tracks: Track[] = [];
  const live = new Set<SioClient>();

  const drive = (tr: Track, c: SioClient): void => {
    tr.client = c;
    live.add(c);
    const next = () => {
      if (stopped || c.closed || now() >= tEnd) return;
      sent++;
      c.emitWithAck(`"echo",${sent}`, () => {
        const at = now();
        acked++;
        const bin = Math.floor((at - t0) / binMs);
        if (bin >= 0 && bin < bins.length) bins[bin]!++;
        if (Number.isNaN(killedAt) || at < killedAt) tr.lastBefore = at;
        else if (Number.isNaN(tr.firstAfter)) tr.firstAfter = at;
        setTimeout(next, p.intervalMs);
      });
    };
    c.onClose = (reason) => {
      live.delete(c);
      errors.add(`${c.transport}: ${reason}`);
      const dropped = c.dropPendingAcks();
      lost += dropped;
      lostBy[c.transport] += dropped;
      if (stopped) return;
      // Reconnect like a client library, with a short fixed back-off.
      void sleep(50 + Math.random() * 50).then(async () => {
        for (let attempt = 0; !stopped && now() < tEnd; attempt++) {
          const again = await openMany(ctx, 1, { transport: tr.transport, concurrency: 1, errors, timeoutMs: 5_000 });
          const nc = again.clients[0];
          if (nc) {
            if (stopped) return nc.close(false);
            reconnects++;
            drive(tr, nc);
            return;
          }
          await sleep(Math.min(1_000, 100 * 2 ** attempt));
        }
      });
    };
    next();
  };
  for (const c of [...ws.clients, ...poll.clients]) {
    const tr: Track = { transport: c.transport, lastBefore: NaN, firstAfter: NaN, client: c };
    tracks.push(tr);
    drive(tr, c);
  }
  const s0 = sample(target.groups);
  const self0 = selfCpuMs();
  const ticker = setInterval(() => ctx.progress(Math.min(1, (now() - t0) / (p.durationMs + p.graceMs))), 200);
  await sleep(Math.max(0, tKill - now()));
  killedAt = now();
  await target.killWorker(0);
  await sleep(Math.max(0, tEnd - now()));
  // Stop sending; give outstanding acks the grace period.
  const tStop = now();
  while (now() - tStop < p.graceMs && [...live].some((c) => c.pendingAcks > 0)) await sleep(20);
  stopped = true;
  clearInterval(ticker);
  for (const c of live) {
    const n = c.pendingAcks;
    lost += n;
    lostBy[c.transport] += n;
  }
  const s1 = sample(target.groups);
  const cpu = cpuOf(s0, s1, selfCpuMs() - self0);
  const stalls = tracks.filter((t) => !Number.isNaN(t.lastBefore) && !Number.isNaN(t.firstAfter)).map((t) => t.firstAfter - t.lastBefore);
  const notRecovered = tracks.filter((t) => Number.isNaN(t.firstAfter)).length;
  stalls.sort((a, b) => a - b);
  const metrics: Record<string, number> = {
    clients: tracks.length,
    sent,
    acked,
    lost,
    lostWs: lostBy.websocket,
    lostPolling: lostBy.polling,
    lostPct: sent ? (lost / sent) * 100 : NaN,
    reconnects,
    recoverMs: notRecovered ? NaN : (stalls[stalls.length - 1] ?? NaN),
    stallP50Ms: stalls[Math.floor(stalls.length / 2)] ?? NaN,
    notRecovered,
    errors: errors.total,
  };
  const notes: string[] = [`worker 0 of ${target.workers.length} SIGKILLed ${p.killAtMs} ms into the run`];
  if (notRecovered) {
    const who = tracks
      .filter((t) => Number.isNaN(t.firstAfter))
      .slice(0, 5)
      .map((t) => {
        const c = t.client;
        const state = c instanceof PollingClient ? ` ${JSON.stringify(c.state())}` : '';
        return `${t.transport} sid ${c.sid || '?'} (${c.closed ? `closed: ${c.closeReason}` : `open, ${c.pendingAcks} emit(s) unanswered`}${state})`;
      });
    notes.push(`${notRecovered} clients never got an ack after the kill: ${who.join('; ')}`);
  }
  closeAll([...live], false);
  await sleep(200);
  return {
    metrics,
    params: { ...p, websocketClients: ws.clients.length, pollingClients: poll.clients.length },
    errors: errors.toJSON(),
    notes,
    cpu,
    timeline: { binMs, killAtMs: killedAt - t0, acks: bins },
  };
}

// ---------------------------------------------------------------------------

export const SCENARIOS: readonly ScenarioDef[] = [
  {
    id: 'connect',
    label: 'connect',
    describe: 'websocket handshakes + joining "/" (concurrent), then idle: connections/s, server CPU and RSS per connection',
    appliesTo: (id) => id !== 'socketio-cluster-rr',
    run: (ctx, p) => connectScenario(ctx, p.connect),
  },
  {
    id: 'idle',
    label: 'idle sessions',
    describe: 'many idle websocket sessions on one process (--full): RSS and CPU per session at scale',
    appliesTo: (id) => SINGLE.includes(id),
    run: (ctx, p) => connectScenario(ctx, p.idle),
  },
  {
    id: 'echo',
    label: 'websocket echo',
    describe: 'closed loop: each client keeps `window` emits with ack in flight; acks/s, latency, server CPU per ack',
    appliesTo: (id) => id !== 'socketio-cluster-rr',
    run: (ctx, p) => echoScenario(ctx, p.echo, 'websocket'),
  },
  {
    id: 'broadcast',
    label: 'broadcast fan-out',
    describe:
      'one sender emits `broadcast` at a fixed rate; the server emits `bcast` to a room of N websocket clients: deliveries/s, loss, latency, CPU per delivery',
    appliesTo: (id) => id !== 'socketio-cluster-rr',
    run: (ctx, p) => broadcastScenario(ctx, p.broadcast),
  },
  {
    id: 'polling',
    label: 'polling echo',
    describe:
      'HTTP long-polling clients (closed loop, one echo at a time) through the balancer: acks/s, latency, errors (400 Session ID unknown without stickiness)',
    appliesTo: () => true,
    run: (ctx, p) => echoScenario(ctx, { ...p.polling, window: 1 }, 'polling'),
  },
  {
    id: 'xbroadcast',
    label: 'cross-worker broadcast',
    describe: 'a small room spread over every worker by the balancer, low rate: the latency of the bus between workers',
    appliesTo: (id) => CLUSTERS.includes(id),
    run: (ctx, p) => broadcastScenario(ctx, p.xbroadcast),
  },
  {
    id: 'failover',
    label: 'failover',
    describe: 'half websocket, half polling clients echo at a steady pace; one worker is SIGKILLed mid-run: emits lost, reconnects, time to recover',
    appliesTo: (id) => CLUSTERS.includes(id),
    run: (ctx, p) => failoverScenario(ctx, p.failover),
  },
];

export function scenarioDef(id: string): ScenarioDef {
  const d = SCENARIOS.find((s) => s.id === id);
  if (!d) throw new Error(`unknown scenario ${JSON.stringify(id)}; known: ${SCENARIOS.map((s) => s.id).join(', ')}`);
  return d;
}
