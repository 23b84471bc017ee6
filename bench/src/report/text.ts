/** The terminal report: one table per scenario, every figure with its ratio to the official server. */
import type { BenchRun, ResultRow } from '../model.js';
import { SCENARIOS } from '../scenarios.js';
import { METRICS, describeParams, fmt, fmtRatio, type MetricDef } from './metrics.js';

function pad(s: string, n: number, right = false): string {
  const len = [...s].length;
  if (len >= n) return s;
  return right ? ' '.repeat(n - len) + s : s + ' '.repeat(n - len);
}

export function columnsFor(rows: ResultRow[], defs: MetricDef[], all = false): MetricDef[] {
  return defs.filter((d) => (all || d.table) && rows.some((r) => r.metrics && r.metrics[d.key] !== undefined));
}

export function renderTable(run: BenchRun): string {
  const out: string[] = [];
  const m = run.machine;
  out.push(
    `Nonstick bench (${run.preset}) · ${m.cores} cores (${m.cpuModel}) · ${m.memoryGiB.toFixed(0)} GiB · Node ${m.node} · load average ${m.loadavgStart.map((x) => x.toFixed(2)).join(' ')} at start`,
  );
  out.push('Ratios (×) are to the official server in the same run: socket.io (ws) for one process, socket.io cluster (sticky) for clusters.');
  out.push(
    'Server CPU per operation (from /proc utime+stime, summed over workers) is the figure to trust on a noisy machine; wall-clock rates and latencies move with the load around.',
  );
  for (const n of run.notes) out.push(`Note: ${n}`);
  for (const s of SCENARIOS) {
    const rows = run.results.filter((r) => r.scenario === s.id);
    if (rows.length === 0) continue;
    const cols = columnsFor(rows, METRICS[s.id]);
    out.push('');
    out.push(`${s.label} — ${describeParams(s.id, rows.find((r) => r.params)?.params)}`);
    const header = ['target', ...cols.map((c) => `${c.label}${c.unit ? ` ${c.unit}` : ''}`)];
    const body = rows.map((r) => {
      if (r.error) return [r.targetLabel, `failed: ${r.error.split('\n')[0]!.slice(0, 100)}`];
      return [
        r.targetLabel,
        ...cols.map((c) => {
          const v = r.metrics?.[c.key];
          const ratio = r.target === r.baseline ? '' : fmtRatio(r.ratios[c.key]);
          return `${fmt(v)}${ratio ? ` ${ratio}` : ''}`;
        }),
      ];
    });
    const widths = header.map((h, i) =>
      Math.max([...h].length, ...body.map((b) => (b.length === header.length ? [...(b[i] ?? '')].length : i === 0 ? [...b[0]!].length : 0))),
    );
    out.push(header.map((h, i) => pad(h, widths[i]!, i > 0)).join('  '));
    for (const b of body) {
      if (b.length !== header.length) out.push(`${pad(b[0]!, widths[0]!)}  ${b[1]}`);
      else out.push(b.map((c, i) => pad(c, widths[i]!, i > 0)).join('  '));
    }
    for (const r of rows) {
      const errs = Object.entries(r.errors ?? {});
      if (errs.length)
        out.push(
          `  ${r.targetLabel} errors: ${errs
            .slice(0, 4)
            .map(([k, n]) => `${k} ×${n}`)
            .join('; ')}`,
        );
      for (const n of r.notes ?? []) out.push(`  ${r.targetLabel}: ${n}`);
    }
  }
  out.push('');
  out.push('Targets (reported, not asserted):');
  for (const g of run.goals) {
    const mark = g.met === null ? '–' : g.met ? '✓' : '✗';
    out.push(`  ${mark} ${g.text}: ${g.detail}${g.basis ? ` [${g.basis}]` : ''}`);
  }
  out.push('');
  out.push(`JSON lines: ${run.files.jsonl}`);
  out.push(`HTML report: ${run.files.html}`);
  out.push(`took ${(run.durationMs / 1000).toFixed(0)} s`);
  return out.join('\n') + '\n';
}
