import { createRequire } from 'node:module';
import type * as Uws from 'uWebSockets.js';

export type { Uws };

export class UwsFallbackError extends Error {
  override name = 'UwsFallbackError';
}

let loaded: typeof Uws | null = null;
let fallback = false;

/**
 * Whether a loaded module is the native uWebSockets.js binary. The package we
 * depend on catches a failing `require` of its binary and silently returns a
 * pure-JS emulation built on `ws`; only the native module has these exports.
 */
export function isNativeUws(mod: object): boolean {
  const m = mod as Record<string, unknown>;
  return typeof m['SSLApp'] === 'function' && typeof m['getParts'] === 'function' && !('default' in m);
}

/**
 * Loads uWebSockets.js and refuses the JS fallback unless allowed, because
 * running on it would silently forfeit the performance the project exists
 * for. `NONSTICK_ALLOW_UWS_FALLBACK=1` allows it too.
 */
export function loadUws(allowFallback = false): typeof Uws {
  if (!loaded) {
    const require = createRequire(import.meta.url);
    loaded = require('uWebSockets.js') as typeof Uws;
    fallback = !isNativeUws(loaded);
  }
  const allowed = allowFallback || process.env['NONSTICK_ALLOW_UWS_FALLBACK'] === '1';
  if (fallback && !allowed) {
    throw new UwsFallbackError(
      'uWebSockets.js native binary failed to load (platform ' +
        `${process.platform}-${process.arch}, Node ABI ${process.versions.modules}); refusing the slow JS fallback. ` +
        'Use Node 20 on glibc >= 2.36, or set allowUwsFallback / NONSTICK_ALLOW_UWS_FALLBACK=1 to run degraded.',
    );
  }
  return loaded;
}

export function usingUwsFallback(): boolean {
  return fallback;
}
