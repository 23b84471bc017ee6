/**
 * The performance targets Nonstick is held to (reported, never asserted).
 * A goal is either a ratio of two targets' figures measured in the same run
 * or an absolute figure.
 */
import type { GoalResult, ResultRow } from '../model.js';
import type { ScenarioId } from '../scenarios.js';
import type { TargetId } from '../targets.js';

interface Goal {
  id: string;
  text: string;
  scenario: ScenarioId | ScenarioId[];
  metric: string;
  target: TargetId;
  /** Ratio against this target; absolute when absent. */
  vs?: TargetId;
  op: '≤' | '≥';
  limit: number;
  unit: string;
}

export const GOALS: readonly Goal[] = [
  {
    id: 'echo-cpu-ceiling',
    text: 'server CPU per websocket echo ack ≤ 1.15× the ceiling',
    scenario: 'echo',
    metric: 'cpuPerAckUs',
    target: 'nonstick',
    vs: 'ceiling',
    op: '≤',
    limit: 1.15,
    unit: '×',
  },
  {
    id: 'echo-cpu-sio-uws',
    text: 'server CPU per websocket echo ack ≤ 0.85× socket.io on uWS',
    scenario: 'echo',
    metric: 'cpuPerAckUs',
    target: 'nonstick',
    vs: 'socketio-uws',
    op: '≤',
    limit: 0.85,
    unit: '×',
  },
  {
    id: 'echo-cpu-sio-ws',
    text: 'server CPU per websocket echo ack ≤ 0.5× socket.io on ws',
    scenario: 'echo',
    metric: 'cpuPerAckUs',
    target: 'nonstick',
    vs: 'socketio-ws',
    op: '≤',
    limit: 0.5,
    unit: '×',
  },
  {
    id: 'node-echo-cpu-sio-ws',
    text: 'node host: server CPU per websocket echo ack ≤ 0.8× socket.io on ws',
    scenario: 'echo',
    metric: 'cpuPerAckUs',
    target: 'nonstick-node',
    vs: 'socketio-ws',
    op: '≤',
    limit: 0.8,
    unit: '×',
  },
  {
    id: 'node-polling-cpu-sio-ws',
    text: 'node host: server CPU per polling echo ack ≤ 0.9× socket.io on ws',
    scenario: 'polling',
    metric: 'cpuPerAckUs',
    target: 'nonstick-node',
    vs: 'socketio-ws',
    op: '≤',
    limit: 0.9,
    unit: '×',
  },
  {
    id: 'idle-rss',
    text: 'RSS per idle websocket session ≤ 4 KiB',
    scenario: ['idle', 'connect'],
    metric: 'rssPerConnKiB',
    target: 'nonstick',
    op: '≤',
    limit: 4,
    unit: 'KiB',
  },
  {
    id: 'connect-cpu',
    text: 'server CPU per connect ≤ 0.12 ms',
    scenario: ['idle', 'connect'],
    metric: 'cpuPerConnMs',
    target: 'nonstick',
    op: '≤',
    limit: 0.12,
    unit: 'ms',
  },
  {
    id: 'broadcast-cpu-ceiling',
    text: 'broadcast to 1000 clients: server CPU per delivery ≤ 1.15× the ceiling',
    scenario: 'broadcast',
    metric: 'cpuPerDeliveryUs',
    target: 'nonstick',
    vs: 'ceiling',
    op: '≤',
    limit: 1.15,
    unit: '×',
  },
  {
    id: 'polling-cluster',
    text: "polling echo through 3 Nonstick workers, round robin without stickiness ≥ 1.5× the throughput of socket.io's sticky 2-node cluster",
    scenario: 'polling',
    metric: 'acksPerSec',
    target: 'nonstick-cluster',
    vs: 'socketio-cluster',
    op: '≥',
    limit: 1.5,
    unit: '×',
  },
];

function find(rows: ResultRow[], scenario: ScenarioId, target: TargetId): ResultRow | undefined {
  return rows.find((r) => r.scenario === scenario && r.target === target && !r.error && r.metrics);
}

function basisOf(row: ResultRow, vsRow: ResultRow | undefined): string {
  const p = row.params ?? {};
  const bits: string[] = [row.scenario];
  if (p['clients'] !== undefined) bits.push(`${p['clients']} clients`);
  if (p['room'] !== undefined) bits.push(`room of ${p['room']}`);
  bits.push(row.topology);
  if (vsRow) bits.push(`vs ${vsRow.targetLabel}: ${vsRow.topology}`);
  return bits.join(', ');
}

export function evaluateGoals(rows: ResultRow[]): GoalResult[] {
  return GOALS.map((g) => {
    const scenarios = Array.isArray(g.scenario) ? g.scenario : [g.scenario];
    let row: ResultRow | undefined;
    for (const s of scenarios) {
      row = find(rows, s, g.target);
      if (row) break;
    }
    const out = (value: number | null, met: boolean | null, detail: string, basis = ''): GoalResult => ({
      id: g.id,
      text: g.text,
      value,
      unit: g.unit,
      limit: g.limit,
      op: g.op,
      met,
      detail,
      basis,
    });
    if (!row) return out(null, null, `not measured (no ${scenarios.join('/')} result for ${g.target} in this run)`);
    const mine = row.metrics?.[g.metric];
    let value: number | undefined = mine;
    let vsRow: ResultRow | undefined;
    if (g.vs) {
      vsRow = find(rows, row.scenario, g.vs);
      if (!vsRow) return out(null, null, `not measured (no ${row.scenario} result for ${g.vs} in this run)`);
      const theirs = vsRow.metrics?.[g.metric];
      value = mine !== undefined && theirs !== undefined && theirs > 0 ? mine / theirs : undefined;
    }
    if (value === undefined || !Number.isFinite(value)) return out(null, null, 'not measurable (no operations completed)', basisOf(row, vsRow));
    const met = g.op === '≤' ? value <= g.limit : value >= g.limit;
    const unit = g.unit === '×' ? '×' : ` ${g.unit}`;
    const shown = `${g.unit === '×' ? '' : ''}${value.toFixed(value >= 10 ? 1 : 2)}${unit}`;
    let detail: string;
    if (g.op === '≤') {
      const pct = (value / g.limit - 1) * 100;
      detail = met ? `${shown}: met, ${(-pct).toFixed(0)}% under the limit` : `${shown}: missed, ${pct.toFixed(0)}% over the ${g.limit}${unit} limit`;
    } else {
      const pct = (1 - value / g.limit) * 100;
      detail = met ? `${shown}: met, ${(-pct).toFixed(0)}% above the minimum` : `${shown}: missed, ${pct.toFixed(0)}% short of the ${g.limit}${unit} minimum`;
    }
    return out(value, met, detail, basisOf(row, vsRow));
  });
}
