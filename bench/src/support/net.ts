/**
 * Small TCP helpers shared by the service starters: readiness probes that
 * need no client library (so they also work while a test has swapped or
 * broken the real client).
 */
import { connect } from 'node:net';

/** Resolve true if host:port accepts a TCP connection within `timeoutMs`. */
export function canConnect(host: string, port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ host, port });
    const done = (ok: boolean): void => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(timeoutMs, () => done(false));
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}

/**
 * Send one command to a Redis server over a raw socket and resolve with the
 * first reply line (e.g. "+PONG", "+OK", "-LOADING ..."). Enough for
 * readiness checks and FLUSHALL; use ioredis for real data-plane work.
 */
export function redisRawCommand(host: string, port: number, args: readonly string[], timeoutMs = 2_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = connect({ host, port });
    let buf = '';
    const finish = (err: Error | null, line?: string): void => {
      sock.destroy();
      if (err) reject(err);
      else resolve(line ?? '');
    };
    sock.setTimeout(timeoutMs, () => finish(new Error(`redis ${host}:${port}: no reply to ${args[0]} within ${timeoutMs} ms`)));
    sock.once('error', (err) => finish(err));
    sock.once('connect', () => {
      // RESP array of bulk strings: works for any argument bytes.
      const parts = args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`);
      sock.write(`*${args.length}\r\n${parts.join('')}`);
    });
    sock.setEncoding('utf8');
    sock.on('data', (chunk: string) => {
      buf += chunk;
      const nl = buf.indexOf('\r\n');
      if (nl !== -1) finish(null, buf.slice(0, nl));
    });
    sock.once('end', () => finish(new Error(`redis ${host}:${port}: connection closed before a reply to ${args[0]}`)));
  });
}
