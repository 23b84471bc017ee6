import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { get, type IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runInNewContext } from 'node:vm';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import { Server, type ServerOptions } from '../src/sio/Server.js';

const pkgFile = createRequire(import.meta.url).resolve('socket.io-client/package.json');
const { version } = JSON.parse(readFileSync(pkgFile, 'utf8')) as { version: string };
const dist = join(dirname(pkgFile), 'dist');
const BUNDLES = [
  'socket.io.js',
  'socket.io.js.map',
  'socket.io.min.js',
  'socket.io.min.js.map',
  'socket.io.esm.min.js',
  'socket.io.esm.min.js.map',
  'socket.io.msgpack.min.js',
  'socket.io.msgpack.min.js.map',
];

const servers: Server[] = [];
after(async () => {
  for (const s of servers.splice(0)) await s.close();
});

async function start(opts: ServerOptions): Promise<string> {
  const io = new Server({ address: '127.0.0.1', ...opts }).listen(0);
  servers.push(io);
  return `http://127.0.0.1:${await io.listening}`;
}

// `auto` is uWS wherever a native build loads (Node 20 here), the node host elsewhere (the node24 tier).
for (const host of ['auto', 'node'] as const) {
  describe(`serveClient (socket.io-client ${version} bundles, ${host} host)`, () => {
    it('serves every bundle byte for byte from the installed socket.io-client, with its version as ETag', async () => {
      const url = await start({ httpServer: host });
      for (const name of BUNDLES) {
        const res = await fetch(`${url}/socket.io/${name}`, { headers: { 'accept-encoding': 'identity' } });
        assert.equal(res.status, 200, name);
        assert.deepEqual(Buffer.from(await res.arrayBuffer()), readFileSync(join(dist, name)), name);
        assert.equal(res.headers.get('etag'), `"${version}"`);
        assert.equal(res.headers.get('cache-control'), 'public, max-age=0');
        const type = name.endsWith('.map') ? 'application/json' : 'application/javascript';
        assert.equal(res.headers.get('content-type'), `${type}; charset=utf-8`);
      }
    });

    it('compresses as Accept-Encoding prefers (br, gzip, deflate), like socket.io', async () => {
      const url = await start({ httpServer: host });
      const file = readFileSync(join(dist, 'socket.io.js'));
      const cases: Array<[string, string | null, (b: Buffer) => Buffer]> = [
        ['gzip, deflate, br', 'gzip', gunzipSync],
        ['br;q=1, gzip;q=0.5', 'br', brotliDecompressSync],
        ['deflate', 'deflate', inflateSync],
        ['identity', null, (b) => b],
      ];
      for (const [accept, coding, decode] of cases) {
        // node:http.get: fetch would decompress and hide what was sent.
        const res = await new Promise<IncomingMessage>((resolve, reject) =>
          get(`${url}/socket.io/socket.io.js`, { headers: { 'accept-encoding': accept } }, resolve).on('error', reject),
        );
        const chunks: Buffer[] = [];
        for await (const chunk of res) chunks.push(chunk as Buffer);
        assert.equal(res.statusCode, 200, accept);
        assert.equal(res.headers['content-encoding'], coding ?? undefined, accept);
        assert.deepEqual(decode(Buffer.concat(chunks)), file, accept);
      }
    });

    it('answers 304 to a matching If-None-Match (strong or weak) and the file to a stale one', async () => {
      const url = await start({ httpServer: host });
      for (const etag of [`"${version}"`, `W/"${version}"`]) {
        const res = await fetch(`${url}/socket.io/socket.io.min.js`, { headers: { 'if-none-match': etag } });
        assert.equal(res.status, 304, etag);
        assert.equal((await res.arrayBuffer()).byteLength, 0);
      }
      const stale = await fetch(`${url}/socket.io/socket.io.min.js`, { headers: { 'if-none-match': '"0.0.1"' } });
      assert.equal(stale.status, 200);
      await stale.arrayBuffer();
    });

    it('serves with a query string (cache busting) and 404s other files under the path', async () => {
      const url = await start({ httpServer: host });
      const busted = await fetch(`${url}/socket.io/socket.io.js?v=${version}`);
      assert.equal(busted.status, 200);
      await busted.arrayBuffer();
      for (const name of ['socket.io.cjs.js', 'package.json', 'socket.io.esm.js', 'socket.io.msgpack.js.map']) {
        const res = await fetch(`${url}/socket.io/${name}`);
        assert.equal(res.status, 404, name);
        await res.arrayBuffer();
      }
    });

    it('serves nothing with serveClient: false', async () => {
      const url = await start({ httpServer: host, serveClient: false });
      const res = await fetch(`${url}/socket.io/socket.io.js`);
      assert.equal(res.status, 404);
      await res.arrayBuffer();
    });

    it('serves a UMD bundle that defines io when evaluated', async () => {
      const url = await start({ httpServer: host });
      const source = await (await fetch(`${url}/socket.io/socket.io.min.js`)).text();
      const context: Record<string, unknown> = {};
      runInNewContext(source, context);
      const io = context['io'] as { Manager?: unknown } | undefined;
      assert.equal(typeof io, 'function');
      assert.equal(typeof io?.Manager, 'function');
    });
  });
}
