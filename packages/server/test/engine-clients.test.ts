import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connect, type ClientMode, type ClientVersion } from './helpers/clients.js';
import { startEngine, until, type RunningEngine } from './helpers/engine.js';

const versions: ClientVersion[] = ['v4', 'v3'];
const modes: ClientMode[] = ['polling', 'websocket', 'upgrade'];

describe('engine.io-client 6.x and 3.x against one worker (MemoryStore)', () => {
  let server: RunningEngine;
  before(async () => {
    server = await startEngine({ allowEIO3: true, pingInterval: 300, pingTimeout: 300 });
  });
  after(() => server.close());

  for (const version of versions) {
    for (const mode of modes) {
      it(`${version} ${mode}: hundreds of messages each way, in order, text and binary`, async () => {
        const client = await connect(version, server.url, mode);
        if (mode === 'upgrade') assert.equal(await client.upgraded, 'websocket');
        const expectTransport = mode === 'polling' ? 'polling' : 'websocket';
        assert.equal(client.transportName(), expectTransport);

        const n = 300;
        for (let i = 0; i < n; i++) client.send(i % 10 === 0 ? Buffer.from([i & 255, 0, 255, 7]) : `c${i} ünï ✓ 😀`);
        const echoes = await client.nextMessages(n);
        for (let i = 0; i < n; i++) {
          if (i % 10 === 0) assert.deepEqual(echoes[i], Buffer.from([i & 255, 0, 255, 7]), `binary echo ${i}`);
          else assert.equal(echoes[i], `c${i} ünï ✓ 😀`);
        }

        client.send(`burst:${n}`);
        const burst = await client.nextMessages(n);
        assert.deepEqual(burst, Array.from({ length: n }, (_, i) => `s${i}`));

        const socket = server.sockets.find((s) => s.id === client.id);
        assert.ok(socket, 'the server announced the socket');
        assert.equal(socket.protocol, version === 'v4' ? 4 : 3);
        assert.equal(socket.transport, expectTransport);
        const serverClosed = new Promise<string>((r) => socket.once('close', (reason: string) => r(reason)));
        client.close();
        assert.equal(await serverClosed, 'transport close');
      });
    }

    it(`${version}: the server closes the session`, async () => {
      const client = await connect(version, server.url, 'polling');
      const socket = server.sockets.find((s) => s.id === client.id)!;
      const serverClosed = new Promise<string>((r) => socket.once('close', (reason: string) => r(reason)));
      client.send('close');
      assert.equal(await serverClosed, 'forced close');
      await client.closed;
      await until(() => server.engine.clientsCount === 0 || !server.engine.sockets.has(client.id));
    });

    it(`${version}: heartbeats keep an idle session alive across several ping intervals`, async () => {
      const client = await connect(version, server.url, 'polling');
      const socket = server.sockets.find((s) => s.id === client.id)!;
      let closed = false;
      socket.once('close', () => (closed = true));
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal(closed, false);
      client.send('still here');
      assert.deepEqual(await client.nextMessages(1), ['still here']);
      client.close();
    });
  }
});
