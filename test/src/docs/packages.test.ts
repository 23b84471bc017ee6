/**
 * The published shape of every package: what `npm pack` would put in its
 * tarball (asked of npm itself, without running scripts) holds everything
 * its `exports` name, its LICENSE and README, and no tests; the metadata a
 * registry page and an installer read is there.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from '../support/paths.js';

const PACKAGES = ['protocol', 'server', 'redis', 'emitter', 'nonstick'];

interface Manifest {
  name: string;
  description?: string;
  license?: string;
  engines?: { node?: string };
  exports?: Record<string, { types?: string; default?: string }>;
  bin?: Record<string, string>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

function manifest(dir: string): Manifest {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest;
}

/** The tarball's file list, as npm computes it. */
function packedFiles(dir: string): Set<string> {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const [pack] = JSON.parse(out) as Array<{ files: Array<{ path: string }> }>;
  return new Set(pack!.files.map((f) => f.path));
}

const strip = (p: string): string => p.replace(/^\.\//, '');

describe('packages as published', () => {
  for (const name of PACKAGES) {
    it(`${name}: the tarball holds what exports and bin name, LICENSE and README, and no tests`, () => {
      const dir = join(repoRoot(), 'packages', name);
      const m = manifest(dir);
      assert.equal(m.license, 'MIT');
      assert.ok(m.description, 'a description');
      assert.match(m.engines?.node ?? '', /20/, 'engines.node');
      const files = packedFiles(dir);
      for (const f of ['LICENSE', 'README.md', 'package.json']) assert.ok(files.has(f), `${f} in the tarball`);
      assert.equal(readFileSync(join(dir, 'LICENSE'), 'utf8'), readFileSync(join(repoRoot(), 'LICENSE'), 'utf8'), 'the repository LICENSE');
      const targets = Object.values(m.exports ?? {}).flatMap((e) => [e.types, e.default]);
      targets.push(...Object.values(m.bin ?? {}));
      for (const target of targets.filter((t): t is string => t !== undefined)) {
        assert.ok(files.has(strip(target)), `${m.name}: ${target} is in the tarball`);
        assert.ok(existsSync(join(dir, target)), `${m.name}: ${target} is built`);
      }
      const tests = [...files].filter((f) => /\.test\.(js|d\.ts)$/.test(f));
      assert.deepEqual(tests, [], 'no test files in the tarball');
    });
  }

  it('only @nonstick/server brings uWebSockets.js (optional); @nonstick/redis takes @nonstick/server as a peer', () => {
    for (const name of PACKAGES) {
      const m = manifest(join(repoRoot(), 'packages', name));
      const all = { ...m.dependencies, ...m.optionalDependencies };
      if (name === 'server') assert.ok(m.optionalDependencies?.['uWebSockets.js'], 'optional in @nonstick/server');
      else assert.equal(all['uWebSockets.js'], undefined, `${m.name} does not depend on uWebSockets.js itself`);
    }
    const redis = manifest(join(repoRoot(), 'packages', 'redis'));
    assert.ok(redis.peerDependencies?.['@nonstick/server'], 'a peer dependency');
    assert.equal(redis.dependencies?.['@nonstick/server'], undefined, 'not a dependency');
  });
});
