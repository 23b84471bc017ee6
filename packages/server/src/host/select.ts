import { probeUws } from '../uws.js';
import { defaultHostChoice, type HostChoice } from './choice.js';
import type { Host } from './Host.js';
import { NodeHost } from './node/NodeHost.js';
import { UwsHost } from './uws/UwsHost.js';

export { defaultHostChoice, type HostChoice };

export interface HostSelectOptions {
  /** Run on uWebSockets.js's slow JS fallback instead of refusing (see `loadUws`). */
  allowUwsFallback?: boolean;
}

export interface SelectedHost {
  host: Host;
  /** One line for the startup log: what was picked and why. */
  reason: string;
}

/**
 * Creates the network host. `'uws'` throws if uWebSockets.js is missing or
 * only its JS fallback loads (unless that fallback is allowed, see
 * `loadUws`); `'auto'` never throws over uWS, it falls back to node:http.
 */
export function createHost(kind: HostChoice = defaultHostChoice(), options: HostSelectOptions = {}): SelectedHost {
  if (kind === 'node') return { host: new NodeHost(), reason: 'node:http + ws (asked for)' };
  const allowFallback = options.allowUwsFallback ?? false;
  const probe = probeUws();
  if (kind === 'uws') return { host: new UwsHost({ allowFallback }), reason: probe.reason };
  if (!probe.native) return { host: new NodeHost(), reason: `${probe.reason}: using node:http + ws` };
  return { host: new UwsHost({ allowFallback }), reason: probe.reason };
}
