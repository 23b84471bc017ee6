import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type * as Uws from 'uWebSockets.js';

export type { Uws };

export class UwsFallbackError extends Error {
  override name = 'UwsFallbackError';
}

/** uWebSockets.js is an optional dependency: it may not be installed at all. */
export class UwsMissingError extends Error {
  override name = 'UwsMissingError';
}

let loaded: typeof Uws | null = null;
let fallback = false;
const require = createRequire(import.meta.url);

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
    loaded = requireUws();
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

function requireUws(): typeof Uws {
  try {
    return require('uWebSockets.js') as typeof Uws;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw err;
    throw new UwsMissingError(
      'uWebSockets.js is not installed (it is an optional dependency of @nonstick/server); ' +
        "install it on Node 20 with glibc >= 2.36, or use the node:http host (host: 'node').",
      { cause: err },
    );
  }
}

/** Whether uWebSockets.js can run natively here, and a one-line reason for operators. */
export interface UwsProbe {
  native: boolean;
  reason: string;
}

/**
 * Finds out whether a native uWebSockets.js binary loads, without loading
 * the package's JS fallback (which prints a warning we would not act on):
 * the binary for this platform and Node ABI is required directly.
 */
export function probeUws(): UwsProbe {
  const where = `Node ABI ${process.versions.modules}, ${libc()}`;
  let main: string;
  try {
    main = require.resolve('uWebSockets.js');
  } catch {
    return { native: false, reason: `uWebSockets.js is not installed (${where})` };
  }
  // The trufflesuite package's own switch: it then loads the JS emulation whatever binary exists.
  if (/^(1|true)$/i.test(process.env['UWS_USE_FALLBACK'] ?? '')) {
    return { native: false, reason: `UWS_USE_FALLBACK is set: uWebSockets.js would run its JS emulation (${where})` };
  }
  const name = `uws_${process.platform}_${process.arch}_${process.versions.modules}.node`;
  // The trufflesuite build keeps binaries in binaries/, upstream next to its main file.
  const binary = [join(dirname(main), '..', 'binaries', name), join(dirname(main), name)].find((p) => existsSync(p));
  if (!binary) return { native: false, reason: `uWebSockets.js has no native binary for ${process.platform}-${process.arch} (${where})` };
  try {
    require(binary);
  } catch (err) {
    const first = String((err as Error).message).split('\n')[0];
    return { native: false, reason: `uWebSockets.js native binary does not load (${where}): ${first}` };
  }
  return { native: true, reason: `uWebSockets.js ${uwsVersion(main)} native binary loaded (${where})` };
}

function libc(): string {
  const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
  return header?.glibcVersionRuntime ? `glibc ${header.glibcVersionRuntime}` : 'no glibc';
}

function uwsVersion(main: string): string {
  for (let dir = dirname(main); dir !== dirname(dir); dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) return String((require(pkg) as { version?: string }).version ?? '?').replace(/-unofficial.*$/, '');
  }
  return '?';
}
