/**
 * Tests of startNginx and, through it, of deploy/nginx/nginx.conf itself:
 * round robin without stickiness, WebSocket upgrades, unbuffered streaming,
 * failover of in-flight requests, large bodies and timeouts.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { Agent, createServer, get as httpGet } from 'node:http';
import type { ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { WebSocket, WebSocketServer } from 'ws';
import { spawnChild } from '../support/children.js';
import { canConnect } from '../support/net.js';
import { startNginx } from '../support/nginx.js';
import type { NginxProcess } from '../support/nginx.js';
import { httpFetch } from './helpers.js';

interface Upstream {
  id: string;
  addr: string;
  /** Distinct client sockets (nginx -> upstream connections) seen. */
  sockets: Set<number>;
  /** Finish every held /stream response. */
  releaseStreams(): void;
  close(): Promise<void>;
}

interface EchoBody {
  id: string;
  method: string;
  url: string;
  headers: Record<string, string | undefined>;
  bytes: number;
  sha256: string;
}

/** A tiny "worker": echoes request info as JSON, holds /stream, echoes WebSocket messages. */
async function startUpstream(id: string): Promise<Upstream> {
  const sockets = new Set<number>();
  const held: ServerResponse[] = [];
  const server = createServer((req, res) => {
    sockets.add(req.socket.remotePort ?? -1);
    if (req.url?.startsWith('/stream')) {
      // Like a streaming legacy transport: first bytes now, the rest later.
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('first\n');
      held.push(res);
      return;
    }
    const hash = createHash('sha256');
    let bytes = 0;
    req.on('data', (c: Buffer) => {
      bytes += c.length;
      hash.update(c);
    });
    req.on('end', () => {
      const body: EchoBody = {
        id,
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers as EchoBody['headers'],
        bytes,
        sha256: hash.digest('hex'),
      };
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(body));
    });
  });
  const wss = new WebSocketServer({ server });
  wss.on('connection', (ws) => ws.on('message', (data) => ws.send(`${id}:${String(data)}`)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const releaseStreams = (): void => {
    for (const res of held.splice(0)) res.end('second\n');
  };
  return {
    id,
    addr: `127.0.0.1:${port}`,
    sockets,
    releaseStreams,
    async close() {
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      releaseStreams();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * A worker that accepts a request and is then SIGKILLed before answering,
 * i.e. a worker killed with requests in flight.
 */
async function startDyingUpstream(t: { after(fn: () => unknown): void }) {
  const child = spawnChild(
    process.execPath,
    [
      '-e',
      `const http = require('node:http');
       const srv = http.createServer((req) => {
         console.log(JSON.stringify({ event: 'request', method: req.method, url: req.url }));
         process.kill(process.pid, 'SIGKILL');
       });
       srv.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ event: 'listening', port: srv.address().port })));`,
    ],
    { name: 'dying-worker' },
  );
  t.after(() => child.stop(1_000));
  const { port } = await child.waitForEvent<{ event: string; port: number }>('listening');
  return { child, addr: `127.0.0.1:${port}` };
}

async function nginxFor(t: { after(fn: () => unknown): void }, upstreams: string[]): Promise<NginxProcess> {
  const nginx = await startNginx({ upstreams });
  t.after(() => nginx.stop());
  return nginx;
}

async function getJson(url: string, opts: Parameters<typeof httpFetch>[1] = {}): Promise<EchoBody> {
  const res = await httpFetch(url, opts);
  assert.equal(res.status, 200, `${opts.method ?? 'GET'} ${url} -> ${res.status}: ${res.body.toString().slice(0, 300)}`);
  return JSON.parse(res.body.toString()) as EchoBody;
}

/** nginx time ("90s", "2m", "500ms", bare = seconds) to ms. */
function nginxTimeMs(value: string): number {
  const m = /^(\d+)(ms|s|m|h)?$/.exec(value);
  assert.ok(m, `unparsable nginx time ${value}`);
  const unit = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
  return Number(m[1]) * unit;
}

/** nginx size ("2m", "512k", bare = bytes) to bytes. */
function nginxSizeBytes(value: string): number {
  const m = /^(\d+)([kKmMgG])?$/.exec(value);
  assert.ok(m, `unparsable nginx size ${value}`);
  const unit = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[(m[2] ?? '').toLowerCase() as '' | 'k' | 'm' | 'g'];
  return Number(m[1]) * unit;
}

/** Values of every `name ...;` directive in a config with comments stripped. */
function directives(conf: string, name: string): string[] {
  const code = conf.replace(/#[^\n]*/g, '');
  return [...code.matchAll(new RegExp(`(?:^|[\\s{;])${name}\\s+([^;{]*);`, 'g'))].map((m) => (m[1] ?? '').trim());
}

describe('startNginx with deploy/nginx/nginx.conf', () => {
  let ups: Upstream[] = [];

  before(async () => {
    ups = await Promise.all(['a', 'b', 'c'].map(startUpstream));
  });
  after(async () => {
    await Promise.all(ups.map((u) => u.close()));
  });

  it('round-robins over all workers with no stickiness, even for one client with cookies', async (t) => {
    const nginx = await nginxFor(
      t,
      ups.map((u) => u.addr),
    );
    const stickyLooking = { cookie: 'io=abc123; AWSALB=xyz; route=a; sticky=1', 'user-agent': 'same-client' };
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    t.after(() => agent.destroy());
    for (const [label, reqAgent] of [
      ['one keep-alive connection', agent],
      ['a new connection per request', false],
    ] as const) {
      const ids: string[] = [];
      for (let i = 0; i < 9; i++) ids.push((await getJson(`${nginx.url}/socket.io/?EIO=4&transport=polling`, { headers: stickyLooking, agent: reqAgent })).id);
      const msg = `${label}: ${ids.join(' ')}\n${nginx.diagnostics()}`;
      assert.deepEqual(new Set(ids.slice(0, 3)), new Set(['a', 'b', 'c']), msg);
      ids.forEach((id, i) => assert.equal(id, ids[i % 3], msg));
    }
  });

  it('forwards Host/X-Forwarded-*; plain requests reuse upstream keep-alive connections', async (t) => {
    const nginx = await nginxFor(
      t,
      ups.map((u) => u.addr),
    );
    for (const u of ups) u.sockets.clear();
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    t.after(() => agent.destroy());
    const seen: EchoBody[] = [];
    for (let i = 0; i < 12; i++) seen.push(await getJson(`${nginx.url}/x`, { agent }));
    const h = seen[0]?.headers ?? {};
    assert.equal(h.host, '127.0.0.1');
    assert.equal(h['x-forwarded-for'], '127.0.0.1');
    assert.equal(h['x-real-ip'], '127.0.0.1');
    assert.equal(h['x-forwarded-proto'], 'http');
    // The map sends an empty Connection header (= omitted) for non-upgrades;
    // "close" would force a new upstream connection per request.
    assert.equal(h.connection, undefined);
    assert.equal(h.upgrade, undefined);
    const connections = ups.reduce((n, u) => n + u.sockets.size, 0);
    assert.ok(connections <= 6, `12 requests used ${connections} upstream connections: keepalive not effective`);
  });

  it('proxies WebSocket upgrades (round robin applies to them too)', async (t) => {
    const nginx = await nginxFor(
      t,
      ups.map((u) => u.addr),
    );
    const replies: string[] = [];
    for (let i = 0; i < 3; i++) {
      const ws = new WebSocket(`${nginx.wsUrl}/socket.io/?EIO=4&transport=websocket`);
      t.after(() => ws.terminate());
      replies.push(
        await new Promise<string>((resolve, reject) => {
          ws.once('error', (err) => reject(new Error(`${err.message}\n${nginx.diagnostics()}`)));
          ws.once('open', () => ws.send(`hello${i}`));
          ws.once('message', (data) => resolve(String(data)));
        }),
      );
      ws.close();
    }
    assert.deepEqual(
      replies.map((r) => r.split(':')[1]),
      ['hello0', 'hello1', 'hello2'],
    );
    assert.deepEqual(new Set(replies.map((r) => r.split(':')[0])), new Set(['a', 'b', 'c']));
  });

  it('streams response bytes as the worker writes them (long-polls, streaming transports)', async (t) => {
    const nginx = await nginxFor(
      t,
      ups.map((u) => u.addr),
    );
    const body = await new Promise<string>((resolve, reject) => {
      const req = httpGet(`${nginx.url}/stream`, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
          // Only once the first chunk got through do we let the worker finish.
          if (text === 'first\n') for (const u of ups) u.releaseStreams();
        });
        res.on('end', () => resolve(text));
      });
      req.setTimeout(3_000, () => req.destroy(new Error(`first chunk was held back by nginx\n${nginx.diagnostics()}`)));
      req.on('error', reject);
    });
    assert.equal(body, 'first\nsecond\n');
  });

  it('passes ~1 MB POST bodies through intact (the worker, not nginx, enforces maxHttpBufferSize)', async (t) => {
    const nginx = await nginxFor(
      t,
      ups.map((u) => u.addr),
    );
    for (const size of [1_048_576, 1_500_000]) {
      const body = randomBytes(size);
      const echo = await getJson(`${nginx.url}/socket.io/?EIO=4&transport=polling`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/octet-stream' },
      });
      assert.equal(echo.bytes, size);
      assert.equal(echo.sha256, createHash('sha256').update(body).digest('hex'));
    }
  });

  it('retries an in-flight GET on another worker when its worker is killed', async (t) => {
    const dying = await startDyingUpstream(t);
    const healthy = ups[0] as Upstream;
    const nginx = await nginxFor(t, [dying.addr, healthy.addr]);
    for (let i = 0; i < 4 && !dying.child.exited; i++) {
      assert.equal((await getJson(`${nginx.url}/socket.io/?EIO=4&transport=polling&i=${i}`)).id, healthy.id, nginx.diagnostics());
    }
    assert.equal((await dying.child.waitForEvent<{ event: string; method: string }>('request')).method, 'GET');
    assert.equal((await dying.child.waitForExit(2_000)).signal, 'SIGKILL');
    assert.match(nginx.errorLog(), /upstream prematurely closed connection|Connection reset by peer/);
  });

  it('retries an in-flight POST too (non_idempotent), with the full body', async (t) => {
    const dying = await startDyingUpstream(t);
    const healthy = ups[1] as Upstream;
    const nginx = await nginxFor(t, [dying.addr, healthy.addr]);
    const body = randomBytes(200_000); // > client_body_buffer_size: replayed from the temp file
    for (let i = 0; i < 4 && !dying.child.exited; i++) {
      const echo = await getJson(`${nginx.url}/socket.io/?EIO=4&transport=polling&i=${i}`, { method: 'POST', body });
      assert.equal(echo.id, healthy.id, nginx.diagnostics());
      assert.equal(echo.sha256, createHash('sha256').update(body).digest('hex'));
    }
    assert.equal((await dying.child.waitForEvent<{ event: string; method: string }>('request')).method, 'POST');
  });

  it('setUpstreams() rewrites upstream.conf and reloads without dropping requests', async (t) => {
    const [a, b, c] = ups as [Upstream, Upstream, Upstream];
    const nginx = await nginxFor(t, [a.addr]);
    assert.equal((await getJson(`${nginx.url}/`, { agent: false })).id, 'a');
    await nginx.setUpstreams([b.addr, c.addr]);
    assert.deepEqual(nginx.upstreams, [b.addr, c.addr]);
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push((await getJson(`${nginx.url}/`, { agent: false })).id);
    assert.deepEqual(new Set(ids), new Set(['b', 'c']), `${ids.join(' ')}\n${nginx.diagnostics()}`);
    // A broken list is rejected up front (nginx -t) and changes nothing.
    await assert.rejects(nginx.setUpstreams(['not a valid server line {']), /new config rejected/);
    assert.deepEqual(nginx.upstreams, [b.addr, c.addr]);
    assert.match((await getJson(`${nginx.url}/`, { agent: false })).id, /^[bc]$/);
    await nginx.reload(); // the restored upstream.conf is valid again
  });

  it('has timeouts far above pingInterval + pingTimeout and no stickiness (effective config, nginx -T)', async (t) => {
    const nginx = await nginxFor(
      t,
      ups.map((u) => u.addr),
    );
    const conf = await nginx.dumpConfig();
    // Socket.IO defaults: pingInterval 25 s + pingTimeout 20 s = 45 s of legit
    // silence; a long-poll held > 60 s must not be cut by nginx either.
    for (const name of ['proxy_read_timeout', 'proxy_send_timeout']) {
      const values = directives(conf, name);
      assert.equal(values.length, 1, `${name}: ${values.join(', ')}`);
      assert.ok(nginxTimeMs(values[0] as string) >= 60_000, `${name} ${values[0]} < 60s`);
    }
    for (const name of ['ip_hash', 'hash', 'sticky', 'least_conn', 'random', 'least_time', 'ntlm']) {
      assert.deepEqual(directives(conf, name), [], `${name} must not be used`);
    }
    assert.doesNotMatch(conf.replace(/#[^\n]*/g, ''), /\bsticky\b|\bcookie\b/i);
    assert.deepEqual(directives(conf, 'proxy_buffering'), ['off']);
    assert.deepEqual(directives(conf, 'proxy_http_version'), ['1.1']);
    assert.deepEqual(directives(conf, 'proxy_next_upstream'), ['error timeout non_idempotent']);
    const tries = Number(directives(conf, 'proxy_next_upstream_tries')[0]);
    assert.ok(tries >= 2 && tries <= 5, `proxy_next_upstream_tries ${tries}`);
    assert.equal(directives(conf, 'keepalive').length, 1);
    assert.ok(nginxSizeBytes(directives(conf, 'client_max_body_size')[0] ?? '0') > 1_000_000);
    assert.match(conf, /map \$http_upgrade \$connection_upgrade \{\s*default\s+upgrade;\s*''\s+'';\s*\}/);
    assert.match(conf, new RegExp(`server ${ups[0]?.addr};`), 'upstream.conf is included');
    assert.match(conf, new RegExp(`listen 127\\.0\\.0\\.1:${nginx.port};`), 'listen.conf is included');
  });

  it('stop() shuts nginx down, removes its prefix and keeps the error log readable', async () => {
    const nginx = await startNginx({ upstreams: [ups[0]?.addr ?? ''] });
    const { prefix, port } = nginx;
    assert.ok(existsSync(prefix));
    await nginx.stop();
    assert.equal(existsSync(prefix), false);
    assert.equal(await canConnect('127.0.0.1', port, 500), false);
    assert.match(nginx.errorLog({ all: true }), /start worker process/);
    assert.equal(nginx.child.exited, true);
    await nginx.stop(); // idempotent
  });
});
