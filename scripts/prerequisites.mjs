#!/usr/bin/env node
// The system programs the test suite starts (its own redis-server, nginx,
// Chromium and Prometheus on free ports). Run by `pnpm test` before anything
// else: what is missing is installed with apt when this runs as root on a
// Debian-like machine; otherwise the run stops at once with the exact
// command to type, instead of failing minutes later in some test.
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { spawnSync } from 'node:child_process';

/** Each program: the env override the tests honour, where Debian puts it, and its Debian package. */
const PROGRAMS = [
  { name: 'redis-server', env: 'NONSTICK_REDIS_SERVER', paths: ['/usr/bin/redis-server', '/usr/local/bin/redis-server'], pkg: 'redis-server' },
  { name: 'nginx', env: 'NONSTICK_NGINX', paths: ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/local/nginx/sbin/nginx'], pkg: 'nginx' },
  { name: 'chromium', env: 'NONSTICK_CHROMIUM', paths: ['/usr/bin/chromium'], pkg: 'chromium', noPathLookup: true },
  { name: 'prometheus', env: 'PROMETHEUS_BIN', paths: ['/usr/bin/prometheus'], pkg: 'prometheus' },
];

function executable(path) {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function found(p) {
  const override = process.env[p.env];
  if (override) return executable(override);
  if (p.paths.some(executable)) return true;
  if (p.noPathLookup) return false;
  return (process.env.PATH ?? '').split(delimiter).some((dir) => dir && executable(join(dir, p.name)));
}

const missing = PROGRAMS.filter((p) => !found(p));
if (missing.length === 0) process.exit(0);

const pkgs = missing.map((p) => p.pkg);
const names = missing.map((p) => p.name).join(', ');
const command = `apt-get install -y --no-install-recommends ${pkgs.join(' ')}`;
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const hasApt = executable('/usr/bin/apt-get');
if (!isRoot || !hasApt) {
  const how = hasApt ? `sudo apt-get update && sudo ${command}` : `install ${names} with your package manager (Debian packages: ${pkgs.join(' ')})`;
  console.error(
    `The test suite starts its own ${names} and cannot find ${missing.length === 1 ? 'it' : 'them'}. Run:\n\n  ${how}\n\n(or point ${missing.map((p) => p.env).join(' / ')} at your own binaries), then run the tests again.`,
  );
  process.exit(1);
}

console.log(`Installing what the test suite needs and this machine lacks (${names}): apt-get update && ${command}`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
for (const args of [
  ['update', '-qq'],
  ['install', '-y', '-qq', '--no-install-recommends', ...pkgs],
]) {
  const r = spawnSync('apt-get', args, { stdio: 'inherit', env });
  if (r.status !== 0) {
    console.error(`apt-get ${args.join(' ')} failed (exit ${r.status ?? r.signal}); install ${pkgs.join(' ')} by hand and run the tests again.`);
    process.exit(1);
  }
}
const still = PROGRAMS.filter((p) => !found(p)).map((p) => p.name);
if (still.length > 0) {
  console.error(`apt-get installed ${pkgs.join(' ')} but ${still.join(', ')} still cannot be found.`);
  process.exit(1);
}
