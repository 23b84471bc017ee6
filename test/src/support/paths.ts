/**
 * Repository paths and service binaries, independent of the current working
 * directory (tests may be run from the repo root, from test/, or by an IDE).
 */
import { accessSync, constants as fsConstants, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { registerCleanup } from './cleanup.js';

let cachedRoot: string | undefined;

/**
 * The monorepo root: the nearest ancestor of this module holding
 * pnpm-workspace.yaml. Walking up (rather than a fixed "../../..") keeps it
 * right whether this runs from test/dist/src/support/ or from a
 * ts-loader straight out of test/src/support/.
 */
export function repoRoot(): string {
  if (cachedRoot) return cachedRoot;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return (cachedRoot = dir);
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`repoRoot: no pnpm-workspace.yaml above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

/**
 * Pick a binary: explicit env override, then well-known absolute paths, then
 * the bare name (resolved through PATH by spawnChild).
 */
export function findBinary(name: string, envVar: string, candidates: readonly string[]): string {
  const fromEnv = process.env[envVar];
  if (fromEnv) return fromEnv;
  for (const c of candidates) {
    try {
      accessSync(c, fsConstants.X_OK);
      return c;
    } catch {
      /* try next */
    }
  }
  return name;
}

/** A temp dir that is removed by `remove()` or, failing that, at process exit. */
export interface TempDir {
  readonly path: string;
  remove(): void;
}

export function makeTempDir(prefix: string): TempDir {
  const path = mkdtempSync(join(tmpdir(), `nonstick-${prefix}-`));
  const remove = (): void => rmSync(path, { recursive: true, force: true });
  const unregister = registerCleanup(remove);
  return {
    path,
    remove() {
      unregister();
      remove();
    },
  };
}
