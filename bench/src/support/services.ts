/**
 * The services a clustered target needs, started the way the integration
 * tests start them (test/src/support/{redis,nginx}.ts): a private
 * redis-server and an nginx running THE project config
 * (deploy/nginx/nginx.conf) from a temp prefix, both on free 127.0.0.1
 * ports and supervised (killed with the bench however it ends).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { canConnect, findBinary, freePort, isAddrInUse, makeTempDir, redisRawCommand, repoRoot, spawnChild, type Child } from '@nonstick/test/support';

export { repoRoot };

const HOST = '127.0.0.1';

export interface Service {
  readonly child: Child;
  readonly port: number;
  readonly url: string;
  stop(): Promise<void>;
}

/** redis-server on a free port, no persistence; resolves once it answers PING. */
export async function startRedis(): Promise<Service> {
  const bin = findBinary('redis-server', 'NONSTICK_REDIS_SERVER', ['/usr/bin/redis-server', '/usr/local/bin/redis-server']);
  const temp = makeTempDir('redis');
  let lastErr: unknown;
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort(HOST);
    const child = spawnChild(
      bin,
      ['--port', String(port), '--bind', HOST, '--save', '', '--appendonly', 'no', '--dir', temp.path, '--daemonize', 'no', '--logfile', ''],
      {
        name: `redis:${port}`,
        cwd: temp.path,
      },
    );
    const deadline = Date.now() + 10_000;
    try {
      for (;;) {
        if (child.exited) {
          await child.waitForExit();
          const err = new Error(`redis-server exited during startup\n${child.tail()}`);
          if (child.lines().some((l) => isAddrInUse(l))) (err as NodeJS.ErrnoException).code = 'EADDRINUSE';
          throw err;
        }
        if ((await redisRawCommand(HOST, port, ['PING'], 500).catch(() => '')) === '+PONG') break;
        if (Date.now() > deadline) throw new Error(`redis-server did not answer PING in time\n${child.tail()}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      return {
        child,
        port,
        url: `redis://${HOST}:${port}`,
        async stop() {
          await child.stop(5_000, 'SIGTERM');
          temp.remove();
        },
      };
    } catch (err) {
      lastErr = err;
      await child.stop(1_000);
      if (!isAddrInUse(err)) break;
    }
  }
  temp.remove();
  throw lastErr;
}

export interface NginxOptions {
  upstreams: readonly string[];
  /**
   * `ip_hash` stickiness for the official cluster (inserted into the
   * project's upstream block). nginx hashes the first three octets of an
   * IPv4 client address, so clients must come from different 127.0.x.1.
   */
  sticky?: boolean;
}

/** The project's nginx config in a temp prefix, in front of `upstreams`; resolves once it accepts connections. */
export async function startNginx(opts: NginxOptions): Promise<Service> {
  const bin = findBinary('nginx', 'NONSTICK_NGINX', ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/local/nginx/sbin/nginx']);
  const temp = makeTempDir('nginx');
  const p = temp.path;
  let conf = readFileSync(join(repoRoot(), 'deploy', 'nginx', 'nginx.conf'), 'utf8');
  if (opts.sticky) {
    const marker = /upstream nonstick_workers \{\n/;
    if (!marker.test(conf)) throw new Error('nginx.conf: upstream block not found (cannot add ip_hash)');
    // Balancing methods must come before `keepalive`: first line of the block.
    conf = conf.replace(marker, (m) => `${m}        ip_hash; # added by the bench: the official cluster needs stickiness\n`);
  }
  writeFileSync(join(p, 'nginx.conf'), conf);
  writeFileSync(join(p, 'upstream.conf'), opts.upstreams.map((u) => `server ${u};`).join('\n') + '\n');
  const errorLog = join(p, 'error.log');
  let lastErr: unknown;
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort(HOST);
    writeFileSync(join(p, 'listen.conf'), `listen ${HOST}:${port} backlog=4096;\n`);
    const global = ['daemon off;', `pid ${join(p, 'nginx.pid')};`, `error_log ${errorLog} warn;`, process.getuid?.() === 0 ? 'user root;' : '']
      .filter(Boolean)
      .join(' ');
    const child = spawnChild(bin, ['-p', `${p}/`, '-c', join(p, 'nginx.conf'), '-e', errorLog, '-g', global], {
      name: `nginx:${port}`,
      cwd: p,
      nofile: 65_536,
    });
    const deadline = Date.now() + 10_000;
    try {
      for (;;) {
        if (child.exited) {
          await child.waitForExit();
          const log = existsSync(errorLog) ? readFileSync(errorLog, 'utf8') : '';
          throw new Error(`nginx exited during startup\n${log}\n${child.tail()}`);
        }
        if (await canConnect(HOST, port, 500)) break;
        if (Date.now() > deadline) throw new Error(`nginx did not accept connections in time\n${child.tail()}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      return {
        child,
        port,
        url: `http://${HOST}:${port}`,
        async stop() {
          await child.stop(5_000, 'SIGTERM');
          temp.remove();
        },
      };
    } catch (err) {
      lastErr = err;
      await child.stop(2_000);
      if (!isAddrInUse(err)) break;
    }
  }
  temp.remove();
  throw lastErr;
}
