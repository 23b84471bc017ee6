import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { PathHandler } from '../engine/EngineEntry.js';
import type { HeaderList } from '../http/cors.js';
import { encode, preferredCoding } from '../http/encoding.js';
import type { Exchange } from '../http/Exchange.js';
import type { RequestInfo } from '../http/RequestInfo.js';

/** The file names socket.io's `serveClient` answers under its path (socket.io 4's `clientPathRegex`). */
const BUNDLE = /^\/socket\.io(\.msgpack|\.esm)?(\.min)?\.js(\.map)?$/;

/**
 * socket.io's `serveClient`: the browser bundles of the installed
 * socket.io-client (`<path>/socket.io.js`, `.min.js`, `.esm.min.js`,
 * `.msgpack.min.js` and their `.map`s), with the client's version as a
 * strong ETag, so `If-None-Match` gets 304 exactly as from socket.io, and
 * compressed (br, gzip or deflate) as the client's `Accept-Encoding` asks.
 * Files are read and compressed once, on first request, and kept.
 */
export function clientBundles(base: string): PathHandler {
  const require = createRequire(import.meta.url);
  const pkgFile = require.resolve('socket.io-client/package.json');
  const { version } = JSON.parse(readFileSync(pkgFile, 'utf8')) as { version: string };
  const dist = join(dirname(pkgFile), 'dist');
  const etag = `"${version}"`;
  const files = new Map<string, Buffer>();
  /** Each bundle compressed once per coding, as clients first ask for it. */
  const compressed = new Map<string, Promise<Buffer>>();
  return (ex: Exchange, info: RequestInfo): boolean => {
    if (info.method !== 'GET' || !info.path.startsWith(base)) return false;
    const name = info.path.slice(base.length);
    if (!BUNDLE.test(name)) return false;
    const asked = info.headers['if-none-match'];
    if (asked === etag || asked === `W/${etag}`) {
      ex.respond(304, null, '');
      return true;
    }
    const body = files.get(name) ?? readBundle(join(dist, name));
    // Names the pattern allows but the client does not ship (`socket.io.esm.js`) fall through to 404.
    if (!body) return false;
    files.set(name, body);
    const type = name.endsWith('.map') ? 'application/json' : 'application/javascript';
    const headers: HeaderList = [
      ['Cache-Control', 'public, max-age=0'],
      ['ETag', etag],
    ];
    const coding = preferredCoding(info.headers['accept-encoding']);
    if (!coding) {
      ex.respond(200, `${type}; charset=utf-8`, body, headers);
      return true;
    }
    const key = `${coding} ${name}`;
    const encoded = compressed.get(key) ?? encode(body, coding);
    compressed.set(key, encoded);
    encoded.then(
      (data) => ex.respond(200, `${type}; charset=utf-8`, data, [...headers, ['Content-Encoding', coding]]),
      () => ex.respond(200, `${type}; charset=utf-8`, body, headers),
    );
    return true;
  };
}

function readBundle(file: string): Buffer | null {
  return existsSync(file) ? readFileSync(file) : null;
}
