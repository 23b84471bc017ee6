import { statSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Server, ServerOptions } from '@nonstick/server';
import { ConfigError } from './config.js';
import type { SocketIoApp } from './worker.js';

/**
 * `--app FILE`: the user's Socket.IO app, an ES module or a CommonJS one.
 * Accepted shapes, first match wins:
 *
 *   export function setup(io) {…}      (+ export const options = {…})
 *   export default function (io) {…}   (+ export const options = {…})
 *   export default { setup(io) {…}, options: {…} }
 *   module.exports = { setup, options }, exports.setup = …, module.exports = function (io) {…}
 *
 * `setup` may return a promise; the worker listens only once it resolves.
 * `options` are Socket.IO/engine options (`cors`, `parser`, `allowRequest`, …);
 * settings given by flag, environment or config file override them.
 */

const EXTENSIONS = ['.js', '.mjs', '.cjs'];

/** The app's module loaded but failed (import threw, or setup threw); the message names the file, the cause has the stack. */
export class AppError extends Error {
  override name = 'AppError';
}

type Setup = (io: Server) => unknown;

/** Loads the module at `path` (relative to `cwd`) and checks its exports; setup runs later, inside `startWorker`. */
export async function loadApp(path: string, cwd: string = process.cwd()): Promise<SocketIoApp> {
  const file = resolve(cwd, path);
  const name = file === path ? file : `${path} (${file})`;
  if (!EXTENSIONS.includes(extname(file))) throw new ConfigError(`--app ${name}: expected a .js, .mjs or .cjs file`);
  let isFile: boolean;
  try {
    isFile = statSync(file).isFile();
  } catch {
    throw new ConfigError(`--app ${name}: no such file`);
  }
  if (!isFile) throw new ConfigError(`--app ${name}: not a file`);
  let ns: Record<string, unknown>;
  try {
    ns = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (err) {
    throw new AppError(`--app ${name}: cannot load it: ${describe(err)}`, { cause: err });
  }
  const { setup, options } = exportsOf(ns, name);
  return {
    kind: 'socket.io',
    ...(options ? { options } : {}),
    async setup(io) {
      try {
        await setup(io);
      } catch (err) {
        throw new AppError(`--app ${name}: setup(io) failed: ${describe(err)}`, { cause: err });
      }
    },
  };
}

/** `setup` and `options` from whichever shape the module has (see the top of this file). */
function exportsOf(ns: Record<string, unknown>, name: string): { setup: Setup; options: Partial<ServerOptions> | undefined } {
  const def = ns['default'];
  // A default export object holding setup (for CommonJS: module.exports, whose properties Node does not always expose as named exports).
  const holder = def !== null && typeof def === 'object' && 'setup' in def ? (def as Record<string, unknown>) : ns;
  let found = holder['setup'];
  let options = holder['options'] ?? ns['options'];
  if (found === undefined && typeof def === 'function') {
    found = def;
    options ??= (def as { options?: unknown }).options;
  }
  if (found === undefined)
    throw new ConfigError(
      `--app ${name}: exports no setup function (expected \`export function setup(io)\`, a default export function or { setup }, or \`module.exports = { setup }\`)`,
    );
  if (typeof found !== 'function') throw new ConfigError(`--app ${name}: its setup export is a ${typeof found}, not a function`);
  if (options !== undefined && (options === null || typeof options !== 'object' || Array.isArray(options)))
    throw new ConfigError(`--app ${name}: its options export must be an object of Socket.IO server options`);
  const fn = found as Setup;
  // A method keeps its object as `this`.
  const setup: Setup = holder === ns ? fn : (io) => fn.call(holder, io);
  return { setup, options };
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
