import type { Host } from './Host.js';
import { UwsHost } from './uws/UwsHost.js';

export type HostChoice = 'uws' | 'node' | 'auto';

export interface HostSelectOptions {
  /** Run on uWebSockets.js's slow JS fallback instead of refusing (see `loadUws`). */
  allowUwsFallback?: boolean;
}

/**
 * The host `Engine.listen` runs on, and why that one. Only uWebSockets.js
 * exists so far: 'auto' picks it, and 'node' is refused.
 */
export function createHost(kind: HostChoice = 'auto', options: HostSelectOptions = {}): { host: Host; reason: string } {
  if (kind === 'node') throw new Error("httpServer 'node' is not available in this build");
  const host = new UwsHost({ allowFallback: options.allowUwsFallback ?? false });
  return { host, reason: kind === 'uws' ? 'asked for uws' : 'uws: the only host built in' };
}
