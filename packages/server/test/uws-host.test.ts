import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { describe, it } from 'node:test';
import WebSocket from 'ws';
import { Engine } from '../src/engine/Engine.js';
import type { EngineSocket } from '../src/engine/EngineSocket.js';
import { CorkCarrier } from '../src/host/uws/CorkCarrier.js';
import { UwsHost } from '../src/host/uws/UwsHost.js';
import { loadUws } from '../src/uws.js';
import { until } from './helpers/engine.js';
import { http, openData } from './helpers/http.js';
import { runHostContract } from './host-contract/index.js';

/** One keep-alive request on a raw socket (Node's http client would say `Connection: close` itself); resolves with the head. */
function keepAliveRequest(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, '127.0.0.1', () => sock.write(text));
    let out = '';
    sock.on('data', (d) => {
      out += d.toString('latin1');
      if (out.includes('\r\n\r\n')) sock.end();
    });
    sock.on('close', () => resolve(out.slice(0, out.indexOf('\r\n\r\n'))));
    sock.on('error', reject);
  });
}

runHostContract('UwsHost', () => new UwsHost());

describe('UwsHost', () => {
  it('listens exclusively: a second host on a port in use fails', async () => {
    const first = new UwsHost();
    const port = await first.listen(0, '127.0.0.1');
    try {
      await assert.rejects(new UwsHost().listen(port, '127.0.0.1'), /cannot listen/);
    } finally {
      await first.close();
    }
  });

  it('says Connection: close on an answer that closes the connection', async () => {
    const engine = new Engine({ maxHttpBufferSize: 10 });
    const port = await engine.listen(0, '127.0.0.1');
    try {
      const { sid } = openData((await http(`http://127.0.0.1:${port}/engine.io/?EIO=4&transport=polling`)).text);
      const body = '4'.repeat(50);
      const head = await keepAliveRequest(
        port,
        `POST /engine.io/?EIO=4&transport=polling&sid=${sid} HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
      );
      assert.match(head, /^HTTP\/1\.1 413 /);
      assert.match(head, /\r\nConnection: close(\r\n|$)/i);
    } finally {
      await engine.close();
    }
  });

  it('routes, with a prefix route, next to the engine; the rest is 404', async () => {
    const engine = new Engine();
    const port = await engine.listen(0, '127.0.0.1', (host) => {
      host.route('/exact', (res) => res.send(200, [['Content-Type', 'text/plain']], 'exact', false));
      host.route('/files/*', (res, info) => res.send(200, [], info.path, false));
    });
    try {
      assert.equal((await http(`http://127.0.0.1:${port}/exact`)).text, 'exact');
      assert.equal((await http(`http://127.0.0.1:${port}/files/a/b.txt`)).text, '/files/a/b.txt');
      assert.equal((await http(`http://127.0.0.1:${port}/elsewhere`)).status, 404);
    } finally {
      await engine.close();
    }
  });

  it('attached to a user app, close() ends our websockets and leaves the app listening', async () => {
    const uws = loadUws();
    const app = uws.App();
    app.get('/mine', (res) => void res.end('mine'));
    const host = UwsHost.attach(app);
    const engine = new Engine();
    engine.on('connection', (s: EngineSocket) => s.on('message', (d: string | Buffer) => s.send(d)));
    engine.attach(host);
    await engine.ready;
    let ls: unknown = null;
    const port = await new Promise<number>((resolve, reject) =>
      app.listen('127.0.0.1', 0, (s) => (s ? resolve(uws.us_socket_local_port((ls = s))) : reject(new Error('listen')))),
    );
    try {
      await assert.rejects(host.listen(0, '127.0.0.1'));
      const ws = new WebSocket(`ws://127.0.0.1:${port}/engine.io/?EIO=4&transport=websocket`);
      await new Promise((r) => ws.once('message', r));
      const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
      await host.close();
      assert.equal(await closed, 1001);
      assert.equal((await http(`http://127.0.0.1:${port}/mine`)).text, 'mine');
    } finally {
      await engine.close();
      uws.us_listen_socket_close(ls as never);
    }
  });
});

describe('CorkCarrier', () => {
  it('opens on demand, lends its cork, and closes after its last user has lingered', async () => {
    const carrier = new CorkCarrier(loadUws(), 50);
    try {
      assert.equal(
        carrier.run(() => assert.fail('not open yet')),
        false,
      );
      const opening = carrier.acquire();
      assert.ok(opening, 'the first user waits for it to open');
      await opening;
      assert.equal(carrier.acquire(), null, 'open: later users go on at once');
      let ran = false;
      assert.equal(
        carrier.run(() => (ran = true)),
        true,
      );
      assert.ok(ran);
      carrier.release();
      carrier.release();
      await until(() => !carrier.run(() => {}), 2000, 'closed after lingering');
      await carrier.acquire();
      assert.equal(
        carrier.run(() => {}),
        true,
        'reopens for the next user',
      );
    } finally {
      carrier.close();
    }
    assert.equal(
      carrier.run(() => {}),
      false,
    );
  });
});
