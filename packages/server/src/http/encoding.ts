import { promisify } from 'node:util';
import { brotliCompress, deflate, gzip } from 'node:zlib';

export type ContentCoding = 'br' | 'gzip' | 'deflate';

const CODERS: Record<ContentCoding, (data: Buffer) => Promise<Buffer>> = {
  br: promisify(brotliCompress),
  gzip: promisify(gzip),
  deflate: promisify(deflate),
};

/**
 * The coding an `Accept-Encoding` header prefers among br, gzip and deflate:
 * the highest q, then the client's order (as the `accepts` package ranks
 * them for socket.io); null when it accepts none of them.
 */
export function preferredCoding(acceptEncoding: string | undefined): ContentCoding | null {
  let best: ContentCoding | null = null;
  let bestQ = 0;
  for (const part of (acceptEncoding ?? '').split(',')) {
    const [token = '', ...params] = part.split(';');
    const name = token.trim().toLowerCase();
    if (!(name in CODERS)) continue;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const weight = q === undefined ? 1 : Number(q.slice(2));
    if (weight > bestQ) {
      best = name as ContentCoding;
      bestQ = weight;
    }
  }
  return best;
}

/** Compresses `data` with `coding` (off the event loop: zlib's thread pool). */
export function encode(data: Buffer, coding: ContentCoding): Promise<Buffer> {
  return CODERS[coding](data);
}
