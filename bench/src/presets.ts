/** Scenario sizes: the quick default run, --full, and a tiny one for the smoke test. */
import type { Params } from './scenarios.js';

export type PresetName = 'quick' | 'full' | 'tiny';

export const PRESETS: Record<PresetName, Params> = {
  quick: {
    connect: { clients: 1_000, concurrency: 50 },
    idle: { clients: 10_000, concurrency: 200 },
    echo: { clients: 50, window: 4, warmupMs: 400, durationMs: 1_000, rate: 15_000, pacedMs: 1_500 },
    broadcast: { room: 1_000, rate: 40, warmupMs: 300, durationMs: 1_200 },
    polling: { clients: 50, warmupMs: 400, durationMs: 1_200 },
    xbroadcast: { room: 60, rate: 20, warmupMs: 300, durationMs: 1_500 },
    failover: { clients: 40, intervalMs: 20, durationMs: 8_500, killAtMs: 1_500, graceMs: 2_000 },
  },
  full: {
    connect: { clients: 5_000, concurrency: 100 },
    idle: { clients: 100_000, concurrency: 400 },
    echo: { clients: 200, window: 4, warmupMs: 1_000, durationMs: 4_000, rate: 20_000, pacedMs: 4_000 },
    broadcast: { room: 1_000, rate: 100, warmupMs: 500, durationMs: 4_000 },
    polling: { clients: 200, warmupMs: 1_000, durationMs: 4_000 },
    xbroadcast: { room: 150, rate: 50, warmupMs: 500, durationMs: 3_000 },
    failover: { clients: 200, intervalMs: 20, durationMs: 20_000, killAtMs: 5_000, graceMs: 5_000 },
  },
  tiny: {
    connect: { clients: 5, concurrency: 5 },
    idle: { clients: 20, concurrency: 10 },
    // Long enough for every metric to be non-zero, which is all the smoke test asks of it.
    echo: { clients: 4, window: 2, warmupMs: 100, durationMs: 400, rate: 1_000, pacedMs: 400 },
    broadcast: { room: 5, rate: 20, warmupMs: 100, durationMs: 400 },
    polling: { clients: 4, warmupMs: 100, durationMs: 400 },
    xbroadcast: { room: 5, rate: 20, warmupMs: 100, durationMs: 1_000 },
    failover: { clients: 4, intervalMs: 50, durationMs: 4_500, killAtMs: 1_000, graceMs: 2_000 },
  },
};

/** Scenarios run by default in each preset. */
export const DEFAULT_SCENARIOS: Record<PresetName, string[]> = {
  quick: ['connect', 'echo', 'broadcast', 'polling', 'xbroadcast', 'failover'],
  full: ['connect', 'idle', 'echo', 'broadcast', 'polling', 'xbroadcast', 'failover'],
  tiny: ['connect', 'echo', 'broadcast', 'polling'],
};

/** Interleaved rounds of echo, broadcast, polling and xbroadcast (their durations above are per round). */
export const DEFAULT_ROUNDS: Record<PresetName, number> = { quick: 1, full: 3, tiny: 1 };
