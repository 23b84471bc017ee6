import { request } from 'node:http';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  text: string;
}

/** One HTTP request on a fresh connection (no agent pooling: tests control every socket). */
export function http(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string | Buffer; signal?: AbortSignal; timeoutMs?: number } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: init.method ?? 'GET', headers: init.headers, agent: false, signal: init.signal }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text: body.toString('utf8') });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(init.timeoutMs ?? 10_000, () => req.destroy(new Error(`timeout: ${init.method ?? 'GET'} ${url}`)));
    if (init.body !== undefined) req.write(init.body);
    req.end();
  });
}

/** Parses an EIO4 handshake answer (`0{...}`) into its data. */
export function openData(text: string): { sid: string; upgrades: string[]; pingInterval: number; pingTimeout: number; maxPayload: number } {
  if (!text.startsWith('0')) throw new Error(`not an open packet: ${text}`);
  return JSON.parse(text.slice(1));
}
