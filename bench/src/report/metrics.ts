/** Labels, units and direction of every figure, per scenario (the columns of the reports). */
import type { ScenarioId } from '../scenarios.js';

export interface MetricDef {
  key: string;
  label: string;
  unit: string;
  better: 'lower' | 'higher' | null;
  /** Shown in the terminal table (the HTML shows all). */
  table: boolean;
  /** Drawn as a bar chart in the HTML report. */
  chart?: boolean;
}

const m = (key: string, label: string, unit: string, better: MetricDef['better'], table = true, chart = false): MetricDef => ({
  key,
  label,
  unit,
  better,
  table,
  chart,
});

const LAT = [
  m('p50Ms', 'p50', 'ms', 'lower'),
  m('p90Ms', 'p90', 'ms', 'lower', false),
  m('p99Ms', 'p99', 'ms', 'lower', true),
  m('maxMs', 'max', 'ms', 'lower', false),
];

export const METRICS: Record<ScenarioId, MetricDef[]> = {
  connect: [
    m('ratePerSec', 'rate', 'conn/s', 'higher', true, true),
    m('cpuPerConnMs', 'server CPU', 'ms/conn', 'lower', true, true),
    m('cpuAllPerConnMs', 'CPU incl. Redis+nginx', 'ms/conn', 'lower', false),
    m('rssPerConnKiB', 'RSS', 'KiB/conn', 'lower', true, true),
    m('rssAllPerConnKiB', 'RSS incl. Redis', 'KiB/conn', 'lower', false),
    m('p50Ms', 'connect p50', 'ms', 'lower'),
    m('p99Ms', 'connect p99', 'ms', 'lower'),
    m('failed', 'failed', '', 'lower'),
    m('serverBusyPct', 'server busy', '% of a core', null, false),
    m('loadgenBusyPct', 'load gen busy', '% of a core', null, false),
  ],
  idle: [] as MetricDef[],
  echo: [
    m('acksPerSec', 'acks/s', '/s', 'higher', true, true),
    ...LAT,
    m('cpuPerAckUs', 'server CPU', 'µs/ack', 'lower', true, true),
    m('cpuAllPerAckUs', 'CPU incl. Redis+nginx', 'µs/ack', 'lower', false),
    m('cpuPerAckSatUs', 'server CPU at saturation', 'µs/ack', 'lower', false),
    m('pacedRate', 'paced rate', 'emits/s', null, false),
    m('pacedAcksPerSec', 'paced acks/s', '/s', 'higher', false),
    m('pacedP50Ms', 'paced p50', 'ms', 'lower', false),
    m('pacedP99Ms', 'paced p99', 'ms', 'lower', false),
    m('pacedServerBusyPct', 'server busy (paced)', '% of a core', null, false),
    m('loadgenCpuPerAckUs', 'load gen CPU', 'µs/ack', null, false),
    m('errors', 'errors', '', 'lower'),
    m('stalled', 'stalled', 'clients', 'lower', false),
    m('serverBusyPct', 'server busy', '% of a core', null, false),
    m('loadgenBusyPct', 'load gen busy', '% of a core', null, false),
  ],
  broadcast: [
    m('deliveriesPerSec', 'deliveries/s', '/s', 'higher', true, true),
    m('lossPct', 'loss', '%', 'lower'),
    ...LAT,
    m('cpuPerDeliveryUs', 'server CPU', 'µs/delivery', 'lower', true, true),
    m('cpuAllPerDeliveryUs', 'CPU incl. Redis+nginx', 'µs/delivery', 'lower', false),
    m('loadgenCpuPerDeliveryUs', 'load gen CPU', 'µs/delivery', null, false),
    m('errors', 'errors', '', 'lower', false),
    m('serverBusyPct', 'server busy', '% of a core', null, false),
    m('loadgenBusyPct', 'load gen busy', '% of a core', null, false),
  ],
  polling: [
    m('acksPerSec', 'acks/s', '/s', 'higher', true, true),
    ...LAT,
    m('cpuPerAckUs', 'server CPU', 'µs/ack', 'lower', true, true),
    m('cpuAllPerAckUs', 'CPU incl. Redis+nginx', 'µs/ack', 'lower', true),
    m('errors', 'errors', '', 'lower'),
    m('stalled', 'stalled', 'clients', 'lower'),
    m('connected', 'sessions up', '', 'higher', false),
    m('sessionsLost', 'sessions lost', '', 'lower', false),
    m('serverBusyPct', 'server busy', '% of a core', null, false),
    m('loadgenBusyPct', 'load gen busy', '% of a core', null, false),
  ],
  xbroadcast: [] as MetricDef[],
  failover: [
    m('lost', 'emits lost', '', 'lower', true, true),
    m('lostWs', 'lost (ws)', '', 'lower'),
    m('lostPolling', 'lost (polling)', '', 'lower'),
    m('lostPct', 'lost', '%', 'lower', false),
    m('reconnects', 'reconnects', '', 'lower'),
    m('recoverMs', 'time to recover', 'ms', 'lower', true, true),
    m('stallP50Ms', 'median stall', 'ms', 'lower', false),
    m('notRecovered', 'not recovered', '', 'lower'),
    m('sent', 'emits sent', '', null, false),
    m('errors', 'errors', '', 'lower', false),
  ],
};
METRICS.idle = METRICS.connect;
METRICS.xbroadcast = [
  ...LAT.map((d) => ({ ...d, table: true, chart: d.key === 'p99Ms' })),
  m('lossPct', 'loss', '%', 'lower'),
  m('deliveriesPerSec', 'deliveries/s', '/s', 'higher', false),
  m('cpuAllPerDeliveryUs', 'CPU incl. Redis+nginx', 'µs/delivery', 'lower', true),
  m('cpuPerDeliveryUs', 'server CPU', 'µs/delivery', 'lower', false),
];

export function describeParams(scenario: ScenarioId, p: Record<string, number | string> | undefined): string {
  if (!p) return '';
  const s = (ms: unknown) => `${Number(ms) / 1000} s`;
  switch (scenario) {
    case 'connect':
    case 'idle':
      return `${p['clients']} websocket clients, ${p['concurrency']} handshakes in flight, from ${p['sourceAddresses']} source addresses`;
    case 'echo':
      return `${p['clients']} websocket clients × ${p['window']} emits in flight, ${s(p['durationMs'])} measured after ${s(p['warmupMs'])} warm-up; then ${p['rate']} emits/s paced for ${s(p['pacedMs'])} (server CPU per ack is from this window)`;
    case 'polling':
      return `${p['clients']} long-polling clients, one echo in flight each, ${s(p['durationMs'])} measured after ${s(p['warmupMs'])} warm-up`;
    case 'broadcast':
    case 'xbroadcast':
      return `room of ${p['room']} websocket clients, ${p['rate']} broadcasts/s from one more client, ${s(p['durationMs'])} measured`;
    case 'failover':
      return `${p['websocketClients']} websocket + ${p['pollingClients']} polling clients, one echo every ${p['intervalMs']} ms each; worker 0 SIGKILLed at ${s(p['killAtMs'])}, run ${s(p['durationMs'])} + ${s(p['graceMs'])} grace`;
  }
}

/** 12,345 / 1.23 / 0.0123, NaN as "—". */
export function fmt(v: number | null | undefined): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '—';
  if (!Number.isFinite(v)) return '∞';
  const a = Math.abs(v);
  if (a >= 1000 || Number.isInteger(v)) return Math.round(v).toLocaleString('en-US');
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  if (a >= 1) return v.toFixed(2);
  if (a === 0) return '0';
  return v.toPrecision(2);
}

export function fmtRatio(r: number | undefined): string {
  if (r === undefined || !Number.isFinite(r)) return '';
  return `×${r >= 10 ? r.toFixed(0) : r >= 1 ? r.toFixed(2) : r.toPrecision(2)}`;
}
