/** The HTML report: one self-contained file, charts as inline SVG, no external assets. */
import type { BenchRun, ResultRow } from '../model.js';
import { SCENARIOS, type ScenarioDef } from '../scenarios.js';
import { TARGETS, type TargetId } from '../targets.js';
import { METRICS, describeParams, fmt, fmtRatio, type MetricDef } from './metrics.js';
import { columnsFor } from './text.js';

const esc = (s: unknown) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const COLORS: Record<TargetId, string> = {
  nonstick: '#1d4ed8',
  'nonstick-node': '#7c3aed',
  'nonstick-cluster': '#60a5fa',
  'socketio-ws': '#b45309',
  'socketio-uws': '#f59e0b',
  'socketio-cluster': '#7c2d12',
  'socketio-cluster-rr': '#a8a29e',
  ceiling: '#15803d',
};

interface Bar {
  label: string;
  value: number;
  color: string;
  note?: string;
}

function barChart(title: string, unit: string, better: MetricDef['better'], bars: Bar[]): string {
  const shown = bars.filter((b) => Number.isFinite(b.value));
  if (shown.length === 0) return '';
  const labelW = 210;
  const barW = 360;
  const rowH = 24;
  const top = 26;
  const h = top + shown.length * rowH + 8;
  const max = Math.max(...shown.map((b) => b.value), 1e-12);
  const rows = shown
    .map((b, i) => {
      const y = top + i * rowH;
      const w = Math.max(1, (b.value / max) * barW);
      return (
        `<text x="${labelW - 8}" y="${y + 16}" text-anchor="end">${esc(b.label)}</text>` +
        `<rect x="${labelW}" y="${y + 4}" width="${w.toFixed(1)}" height="${rowH - 8}" fill="${b.color}" rx="2"/>` +
        `<text x="${(labelW + w + 6).toFixed(1)}" y="${y + 16}">${esc(fmt(b.value))}${b.note ? ` <tspan class="ratio">${esc(b.note)}</tspan>` : ''}</text>`
      );
    })
    .join('');
  const hint = better ? ` (${better} is better)` : '';
  return (
    `<svg class="chart" viewBox="0 0 ${labelW + barW + 150} ${h}" width="${labelW + barW + 150}" height="${h}" role="img" aria-label="${esc(title)}">` +
    `<text x="0" y="16" class="title">${esc(title)}${unit ? ` — ${esc(unit)}` : ''}${esc(hint)}</text>${rows}</svg>`
  );
}

function latencyChart(rows: ResultRow[]): string {
  const series = ['p50Ms', 'p90Ms', 'p99Ms'] as const;
  const shades = ['1', '0.65', '0.35'];
  const data = rows.filter((r) => r.metrics && series.some((k) => Number.isFinite(r.metrics![k])));
  if (data.length === 0) return '';
  const labelW = 210;
  const barW = 360;
  const groupH = 3 * 9 + 10;
  const top = 40;
  const h = top + data.length * groupH + 6;
  const max = Math.max(...data.flatMap((r) => series.map((k) => r.metrics![k] ?? 0).filter(Number.isFinite)), 1e-9);
  const legend = series
    .map(
      (k, i) =>
        `<rect x="${labelW + i * 70}" y="24" width="10" height="10" fill="#444" fill-opacity="${shades[i]}"/><text x="${labelW + i * 70 + 14}" y="33">${k.slice(0, 3)}</text>`,
    )
    .join('');
  const groups = data
    .map((r, gi) => {
      const y0 = top + gi * groupH;
      const bars = series
        .map((k, i) => {
          const v = r.metrics![k] ?? NaN;
          if (!Number.isFinite(v)) return '';
          const w = Math.max(1, (v / max) * barW);
          const y = y0 + i * 9;
          return `<rect x="${labelW}" y="${y}" width="${w.toFixed(1)}" height="8" fill="${COLORS[r.target]}" fill-opacity="${shades[i]}"/><text x="${(labelW + w + 4).toFixed(1)}" y="${y + 8}" class="small">${esc(fmt(v))}</text>`;
        })
        .join('');
      return `<text x="${labelW - 8}" y="${y0 + 17}" text-anchor="end">${esc(r.targetLabel)}</text>${bars}`;
    })
    .join('');
  return `<svg class="chart" viewBox="0 0 ${labelW + barW + 120} ${h}" width="${labelW + barW + 120}" height="${h}" role="img" aria-label="latency percentiles"><text x="0" y="16" class="title">latency percentiles — ms (lower is better)</text>${legend}${groups}</svg>`;
}

function timelineChart(rows: ResultRow[]): string {
  const data = rows.filter((r) => r.timeline);
  if (data.length === 0) return '';
  const w = 720;
  const plotH = 180;
  const left = 50;
  const top = 30;
  const h = top + plotH + 40;
  const binMs = data[0]!.timeline!.binMs;
  const maxBins = Math.max(...data.map((r) => r.timeline!.acks.length));
  const maxV = Math.max(1, ...data.flatMap((r) => r.timeline!.acks));
  const x = (i: number) => left + (i / Math.max(1, maxBins - 1)) * (w - left - 10);
  const y = (v: number) => top + plotH - (v / maxV) * plotH;
  const lines = data
    .map((r) => {
      const pts = r.timeline!.acks.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
      const kx = x(r.timeline!.killAtMs / binMs);
      return (
        `<polyline points="${pts}" fill="none" stroke="${COLORS[r.target]}" stroke-width="1.5"/>` +
        `<line x1="${kx.toFixed(1)}" x2="${kx.toFixed(1)}" y1="${top}" y2="${top + plotH}" stroke="#dc2626" stroke-dasharray="4 3"/>`
      );
    })
    .join('');
  const ticks = Array.from({ length: 6 }, (_, i) => {
    const bin = Math.round((i / 5) * (maxBins - 1));
    return `<text x="${x(bin).toFixed(1)}" y="${top + plotH + 16}" text-anchor="middle" class="small">${((bin * binMs) / 1000).toFixed(1)} s</text>`;
  }).join('');
  const legend = data
    .map(
      (r, i) =>
        `<rect x="${left + i * 200}" y="${top + plotH + 26}" width="10" height="10" fill="${COLORS[r.target]}"/><text x="${left + i * 200 + 14}" y="${top + plotH + 35}">${esc(r.targetLabel)}</text>`,
    )
    .join('');
  return (
    `<svg class="chart" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img" aria-label="acks over time"><text x="0" y="16" class="title">acks per ${binMs} ms over time (dashed: SIGKILL)</text>` +
    `<line x1="${left}" x2="${left}" y1="${top}" y2="${top + plotH}" stroke="#999"/><line x1="${left}" x2="${w - 10}" y1="${top + plotH}" y2="${top + plotH}" stroke="#999"/>` +
    `<text x="${left - 6}" y="${top + 8}" text-anchor="end" class="small">${maxV}</text><text x="${left - 6}" y="${top + plotH}" text-anchor="end" class="small">0</text>${lines}${ticks}${legend}</svg>`
  );
}

function table(rows: ResultRow[], cols: MetricDef[]): string {
  const head = `<tr><th>target</th>${cols.map((c) => `<th>${esc(c.label)}${c.unit ? `<br><span class="unit">${esc(c.unit)}</span>` : ''}</th>`).join('')}</tr>`;
  const body = rows
    .map((r) => {
      if (r.error) return `<tr><td>${esc(r.targetLabel)}</td><td colspan="${cols.length}" class="bad">failed: ${esc(r.error)}</td></tr>`;
      const cells = cols.map((c) => {
        const v = r.metrics?.[c.key];
        const ratio = r.target === r.baseline ? '' : fmtRatio(r.ratios[c.key]);
        return `<td class="num">${esc(fmt(v))}${ratio ? ` <span class="ratio">${esc(ratio)}</span>` : ''}</td>`;
      });
      return `<tr><td class="target"><span class="swatch" style="background:${COLORS[r.target]}"></span>${esc(r.targetLabel)}<br><span class="unit">${esc(r.topology)}</span></td>${cells.join('')}</tr>`;
    })
    .join('');
  return `<div class="scroll"><table>${head}${body}</table></div>`;
}

function section(s: ScenarioDef, rows: ResultRow[]): string {
  const defs = METRICS[s.id];
  const cols = columnsFor(rows, defs, true);
  const charts = defs
    .filter((d) => d.chart)
    .map((d) =>
      barChart(
        d.label,
        d.unit,
        d.better,
        rows
          .filter((r) => r.metrics)
          .map((r) => ({
            label: r.targetLabel,
            value: r.metrics![d.key] ?? NaN,
            color: COLORS[r.target],
            note: r.target === r.baseline ? '' : fmtRatio(r.ratios[d.key]),
          })),
      ),
    )
    .join('');
  const lat = ['echo', 'broadcast', 'polling', 'xbroadcast'].includes(s.id) ? latencyChart(rows) : '';
  const tl = s.id === 'failover' ? timelineChart(rows) : '';
  const notes = rows
    .flatMap((r) => [
      ...(r.notes ?? []).map((n) => `<li><b>${esc(r.targetLabel)}</b>: ${esc(n)}</li>`),
      ...(Object.keys(r.errors ?? {}).length
        ? [
            `<li><b>${esc(r.targetLabel)}</b> errors: ${Object.entries(r.errors!)
              .map(([k, n]) => `${esc(k)} ×${n}`)
              .join('; ')}</li>`,
          ]
        : []),
    ])
    .join('');
  return (
    `<section id="${s.id}"><h2>${esc(s.label)}</h2><p>${esc(s.describe)}.<br><span class="unit">${esc(describeParams(s.id, rows.find((r) => r.params)?.params))}</span></p>` +
    `${table(rows, cols)}<div class="charts">${charts}${lat}${tl}</div>${notes ? `<ul class="notes">${notes}</ul>` : ''}</section>`
  );
}

export function renderHtml(run: BenchRun): string {
  const m = run.machine;
  const goals = run.goals
    .map(
      (g) =>
        `<tr class="${g.met === null ? 'na' : g.met ? 'ok' : 'bad'}"><td>${g.met === null ? '–' : g.met ? '✓' : '✗'}</td><td>${esc(g.text)}</td><td>${esc(g.detail)}</td><td class="unit">${esc(g.basis)}</td></tr>`,
    )
    .join('');
  const targets = TARGETS.filter((t) => run.results.some((r) => r.target === t.id))
    .map((t) => `<li><span class="swatch" style="background:${COLORS[t.id]}"></span><b>${esc(t.label)}</b>: ${esc(t.describe)}</li>`)
    .join('');
  const sections = SCENARIOS.map((s) => {
    const rows = run.results.filter((r) => r.scenario === s.id);
    return rows.length ? section(s, rows) : '';
  }).join('');
  const versions = Object.entries(m.versions)
    .map(([k, v]) => `${esc(k)} ${esc(v)}`)
    .join(' · ');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Nonstick bench — ${esc(run.startedAt)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px auto;max-width:1180px;padding:0 16px;color:#111}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 6px;border-bottom:1px solid #ddd;padding-bottom:4px}
table{border-collapse:collapse;margin:8px 0;font-size:13px}.scroll{overflow-x:auto;max-width:100%}td.target{min-width:170px}th,td{border:1px solid #ddd;padding:4px 7px;vertical-align:top}th{background:#f5f5f5;text-align:left}
td.num{text-align:right;white-space:nowrap}.unit{color:#666;font-size:12px;font-weight:normal}.ratio{color:#555;font-size:12px}
.swatch{display:inline-block;width:10px;height:10px;margin-right:6px;border-radius:2px}
tr.ok td:first-child{color:#15803d;font-weight:bold}tr.bad td:first-child{color:#b91c1c;font-weight:bold}tr.na{color:#777}.bad{color:#b91c1c}
.charts{display:flex;flex-wrap:wrap;gap:12px 28px}svg.chart{font-size:12px;max-width:100%;height:auto}svg .title{font-weight:600;font-size:13px}svg .small{font-size:10px;fill:#444}svg .ratio{fill:#666}
.callout{background:#f0f7ff;border-left:4px solid #1d4ed8;padding:8px 12px;margin:12px 0}ul.notes{color:#444;font-size:13px}
</style></head><body>
<h1>Nonstick bench</h1>
<div class="unit">${esc(run.startedAt)} · preset <b>${esc(run.preset)}</b> · <code>${esc(run.command)}</code> · took ${(run.durationMs / 1000).toFixed(0)} s</div>
<h2>Machine</h2>
<table><tr><th>cores</th><td>${m.cores} × ${esc(m.cpuModel)}</td></tr><tr><th>memory</th><td>${m.memoryGiB.toFixed(1)} GiB</td></tr><tr><th>Node</th><td>${esc(m.node)}</td></tr><tr><th>OS</th><td>${esc(m.os)}</td></tr>
<tr><th>load average</th><td>${m.loadavgStart.map((x) => x.toFixed(2)).join(' ')} at start, ${m.loadavgEnd.map((x) => x.toFixed(2)).join(' ')} at end</td></tr><tr><th>versions</th><td>${versions}</td></tr></table>
<div class="callout"><b>Which figures to trust.</b> Server CPU per operation — utime+stime from <code>/proc/&lt;pid&gt;/stat</code> of the server processes, summed over workers, read at the edges of each measured window — is the figure to trust on a noisy or shared machine: it is what the server spent per connection, ack or delivery, whatever else was running. Throughput and latency are wall-clock figures: they move with the machine's load (here the load generator, the servers, nginx and Redis share ${m.cores} cores) and with the load generator's own limit. Every figure is also given as a ratio (×) to the official socket.io server measured in the same run: socket.io on ws for single-process targets, the sticky socket.io cluster for clusters.</div>
${run.notes.length ? `<ul class="notes">${run.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>` : ''}
<h2>Targets</h2>
<table><tr><th></th><th>goal</th><th>result</th><th>measured on</th></tr>${goals}</table>
<p class="unit">Goals are reported, never asserted. A ratio goal compares two servers measured in the same run.</p>
<h2>Servers under test</h2><ul>${targets}</ul>
<p class="unit">All run the same app: <code>echo</code> acks its arguments, <code>join</code> joins a room then acks, <code>broadcast</code> emits <code>bcast</code> to the room. The load generator is a raw Engine.IO 4 / Socket.IO 5 client over ws and HTTP long-polling (no socket.io-client), bound to several 127.0.x.1 source addresses.</p>
${sections}
</body></html>
`;
}
