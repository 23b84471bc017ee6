import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { after, afterEach, describe, it } from 'node:test';
import { io as connectClient, type Socket as ClientSocket } from 'socket.io-client';
import { WebSocket } from 'ws';
import type { HeaderObject } from '../src/engine/answerHeaders.js';
import type { ConnectionErrorEvent } from '../src/engine/errors.js';
import type { RequestInfo } from '../src/http/RequestInfo.js';
import { Server, type ServerOptions } from '../src/sio/Server.js';
import { until } from './helpers/engine.js';

const servers: Server[] = [];
const clients: ClientSocket[] = [];
afterEach(() => {
  for (const c of clients.splice(0)) c.close();
});
after(async () => {
  for (const s of servers.splice(0)) await s.close();
});

interface Seen {
  event: 'initial_headers' | 'headers';
  transport: string | undefined;
  sid: string | undefined;
  cookie: string | undefined;
}

/** A Server whose engine adds a cookie to handshake answers and a header to every answer, recording each call. */
async function start(httpServer: 'auto' | 'node', opts: ServerOptions = {}): Promise<{ io: Server; url: string; seen: Seen[] }> {
  const io = new Server({ address: '127.0.0.1', httpServer, ...opts }).listen(0);
  servers.push(io);
  const seen: Seen[] = [];
  const record = (event: Seen['event'], req: RequestInfo): void => {
    seen.push({ event, transport: req.query['transport'], sid: req.query['sid'], cookie: req.headers['cookie'] });
  };
  io.engine.on('initial_headers', (headers: HeaderObject, req: RequestInfo) => {
    headers['set-cookie'] = ['greeting=hello; Path=/', 'second=2; Path=/'];
    record('initial_headers', req);
  });
  io.engine.on('headers', (headers: HeaderObject, req: RequestInfo) => {
    headers['X-Nonstick-Test'] = 'yes';
    record('headers', req);
  });
  return { io, url: `http://127.0.0.1:${await io.listening}`, seen };
}

function connect(url: string, opts: Record<string, unknown>): Promise<ClientSocket> {
  const c = connectClient(url, { forceNew: true, reconnection: false, withCredentials: true, ...opts });
  clients.push(c);
  return new Promise((resolve, reject) => {
    c.once('connect', () => resolve(c));
    c.once('connect_error', reject);
  });
}

// `auto` is uWS wherever a native build loads (Node 20 here), the node host elsewhere (the node24 tier).
for (const host of ['auto', 'node'] as const) {
  describe(`engine initial_headers and headers (${host} host, socket.io-client 4.x)`, () => {
    it('adds headers to the handshake answer and to every polling answer', async () => {
      const { url, seen } = await start(host);
      const handshake = await fetch(`${url}/socket.io/?EIO=4&transport=polling`);
      assert.equal(handshake.status, 200);
      assert.deepEqual(handshake.headers.getSetCookie(), ['greeting=hello; Path=/', 'second=2; Path=/']);
      assert.equal(handshake.headers.get('x-nonstick-test'), 'yes');
      const sid = (JSON.parse((await handshake.text()).slice(1)) as { sid: string }).sid;
      const post = await fetch(`${url}/socket.io/?EIO=4&transport=polling&sid=${sid}`, { method: 'POST', body: '40' });
      assert.equal(post.status, 200);
      assert.equal(post.headers.get('x-nonstick-test'), 'yes');
      assert.deepEqual(post.headers.getSetCookie(), [], 'initial_headers is for the handshake only');
      await post.text();
      assert.deepEqual(
        seen.map((s) => [s.event, s.sid]),
        [
          ['initial_headers', undefined],
          ['headers', undefined],
          ['headers', sid],
        ],
      );
    });

    it('a polling client sends back the cookie initial_headers set, through the upgrade', async () => {
      const { url, seen } = await start(host);
      const c = await connect(url, { transports: ['polling', 'websocket'] });
      await until(() => c.io.engine.transport.name === 'websocket');
      const later = seen.filter((s) => s.sid !== undefined);
      assert.ok(
        later.some((s) => s.transport === 'websocket'),
        'the upgrade request emits headers',
      );
      for (const s of later) assert.match(s.cookie ?? '', /greeting=hello; second=2/, `${s.event} ${s.transport}`);
    });

    it('emits initial_headers for a websocket-only handshake', async () => {
      const { url, seen } = await start(host);
      await connect(url, { transports: ['websocket'] });
      assert.deepEqual(
        seen.map((s) => [s.event, s.transport]),
        [
          ['initial_headers', 'websocket'],
          ['headers', 'websocket'],
        ],
      );
    });
  });
}

/** A raw websocket handshake: the 101 answer, and the first frame (the open packet), listened for from the start. */
function upgradeAnswer(url: string): Promise<{ ws: WebSocket; res: IncomingMessage; first: Promise<string> }> {
  const ws = new WebSocket(`${url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`);
  const first = new Promise<string>((resolve) => ws.once('message', (m: Buffer) => resolve(m.toString())));
  return new Promise((resolve, reject) => {
    ws.once('upgrade', (res) => resolve({ ws, res, first }));
    ws.once('error', reject);
  });
}

for (const host of ['auto', 'node'] as const) {
  describe(`engine headers on the websocket 101 (${host} host)`, () => {
    it('adds them to the 101 answer', async () => {
      const { url } = await start(host);
      const { ws, res } = await upgradeAnswer(url);
      assert.equal(res.headers['x-nonstick-test'], 'yes');
      assert.deepEqual(res.headers['set-cookie'], ['greeting=hello; Path=/', 'second=2; Path=/']);
      ws.close();
    });

    it('sets the session cookie on the 101, as engine.io does', async () => {
      const io = new Server({ address: '127.0.0.1', httpServer: host, cookie: true }).listen(0);
      servers.push(io);
      const { ws, res, first } = await upgradeAnswer(`http://127.0.0.1:${await io.listening}`);
      const { sid } = JSON.parse((await first).slice(1)) as { sid: string };
      assert.deepEqual(res.headers['set-cookie'], [`io=${sid}; Path=/; HttpOnly; SameSite=Lax`]);
      ws.close();
    });
  });
}

for (const host of ['auto', 'node'] as const) {
  describe(`engine connection_error (${host} host, socket.io-client 4.x)`, () => {
    for (const transport of ['polling', 'websocket']) {
      it(`reports an allowRequest refusal of a ${transport} handshake with the request, code, message and context`, async () => {
        const io = new Server({
          address: '127.0.0.1',
          httpServer: host,
          allowRequest: (req, cb) => (req.query['deny'] ? cb('go away', false) : cb(null, true)),
        }).listen(0);
        servers.push(io);
        const url = `http://127.0.0.1:${await io.listening}`;
        const reported = new Promise<ConnectionErrorEvent>((resolve) => io.engine.once('connection_error', resolve));
        const refused = connect(url, { transports: [transport], query: { deny: '1' } });
        await assert.rejects(refused);
        const e = await reported;
        assert.equal(e.code, 4);
        assert.equal(e.message, 'Forbidden');
        assert.deepEqual(e.context, { message: 'go away' });
        assert.equal(e.req.query['deny'], '1');
        assert.equal(e.req.query['transport'], transport);
      });
    }
  });
}
