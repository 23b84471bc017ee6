import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import { freePort, isAddrInUse } from '../support/ports.js';

function listen(port: number): Promise<() => Promise<void>> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(port, '127.0.0.1', () => resolve(() => new Promise((r) => srv.close(() => r()))));
  });
}

describe('freePort', () => {
  it('returns distinct ports that can be bound on 127.0.0.1', async () => {
    const ports = await Promise.all(Array.from({ length: 20 }, () => freePort()));
    assert.equal(new Set(ports).size, ports.length, 'never hands out the same port twice');
    const closers = await Promise.all(ports.map((p) => listen(p)));
    await Promise.all(closers.map((c) => c()));
  });

  it('stays below the kernel ephemeral range (no clash with outgoing source ports)', { skip: process.platform !== 'linux' }, async () => {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    const port = await freePort();
    assert.ok(low !== undefined && port < low && port >= 10_000, `port ${port} should be in [10000, ${low})`);
  });

  it('isAddrInUse recognises node errors and server log lines', async () => {
    const port = await freePort();
    const close = await listen(port);
    try {
      await assert.rejects(listen(port), (err: unknown) => isAddrInUse(err));
    } finally {
      await close();
    }
    assert.ok(isAddrInUse('Could not create server TCP listening socket 127.0.0.1:1: bind: Address already in use'));
    assert.ok(!isAddrInUse(new Error('ECONNREFUSED')));
  });
});
