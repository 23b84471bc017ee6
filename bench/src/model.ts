/** What a bench run produces (the JSON lines, the table and the HTML are views of it). */
import type { PresetName } from './presets.js';
import type { ScenarioId, ScenarioResult } from './scenarios.js';
import type { TargetId } from './targets.js';

export interface Machine {
  cores: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  os: string;
  loadavgStart: number[];
  loadavgEnd: number[];
  clkTck: number;
  versions: Record<string, string>;
}

export interface ResultRow extends Partial<ScenarioResult> {
  scenario: ScenarioId;
  target: TargetId;
  targetLabel: string;
  topology: string;
  kind: 'single' | 'cluster';
  /** The official server this row's ratios are against (same run). */
  baseline: TargetId | null;
  /** metric / the baseline's metric. */
  ratios: Record<string, number>;
  elapsedMs: number;
  /** The scenario failed to run (the message). */
  error?: string;
  /** Each round's figures when the scenario ran in several rounds (metrics are their medians). */
  roundMetrics?: Array<Record<string, number>>;
}

export interface GoalResult {
  id: string;
  text: string;
  /** Measured: a ratio (×) or an absolute value in `unit`. */
  value: number | null;
  unit: string;
  limit: number;
  op: '≤' | '≥';
  met: boolean | null;
  /** "22% over the limit", "met with 30% to spare", or why it was not measured. */
  detail: string;
  /** What the figure was measured on (counts differ from the goal's wording in small runs). */
  basis: string;
}

export interface BenchRun {
  kind: 'nonstick-bench';
  startedAt: string;
  preset: PresetName;
  command: string;
  options: Record<string, unknown>;
  machine: Machine;
  results: ResultRow[];
  goals: GoalResult[];
  durationMs: number;
  /** Things the reader must know about this run (e.g. a count capped by a limit of the machine). */
  notes: string[];
  /** Paths of the reports written. */
  files: { jsonl: string; html: string };
}
