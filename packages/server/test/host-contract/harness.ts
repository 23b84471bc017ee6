import { once } from 'node:events';
import { request, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { WebSocket } from 'ws';
import type { RequestInfo } from '../../src/http/RequestInfo.js';
import type { EngineHandlers, Host, RawResponse, RouteHandler, WsConnection, WsLimits, WsUpgrade } from '../../src/host/Host.js';

export type HostFactory = () => Host;

export const ENGINE_PATH = '/engine.io';

export const LIMITS: WsLimits = { maxPayloadLength: 64 * 1024, maxBackpressure: 64 * 1024, perMessageDeflate: true };

/** What a test's engine handlers saw, in order. */
export interface Seen {
  requests: RequestInfo[];
  opened: WsConnection<string>[];
  messages: Array<{ data: string; frame: string | Uint8Array }>;
  closed: Array<{ data: string; code: number }>;
}

/** Engine handlers a test scripts: by default upgrades are accepted (data = the path) and requests answered 200. */
export interface Script {
  request(res: RawResponse, info: RequestInfo): void;
  upgrade(res: RawResponse, info: RequestInfo, upgrade: WsUpgrade<string>): void;
  message(ws: WsConnection<string>, frame: string | Uint8Array): void;
}

export interface Running {
  host: Host;
  port: number;
  base: string;
  seen: Seen;
  script: Script;
  close(): Promise<void>;
}

export async function start(
  factory: HostFactory,
  options: { limits?: Partial<WsLimits>; routes?: Record<string, RouteHandler>; address?: string } = {},
): Promise<Running> {
  const host = factory();
  const seen: Seen = { requests: [], opened: [], messages: [], closed: [] };
  const script: Script = {
    request: (res) => res.send(200, [['Content-Type', 'text/plain']], 'engine', false),
    upgrade: (_res, info, upgrade) => void upgrade.accept(info.path),
    message: () => {},
  };
  const handlers: EngineHandlers<string> = {
    request: (res, info) => {
      seen.requests.push(info);
      script.request(res, info);
    },
    upgrade: (res, info, upgrade) => script.upgrade(res, info, upgrade),
    open: (ws) => seen.opened.push(ws),
    message: (ws, frame) => {
      seen.messages.push({ data: ws.data, frame });
      script.message(ws, frame);
    },
    close: (ws, code) => seen.closed.push({ data: ws.data, code }),
  };
  host.mount(ENGINE_PATH, handlers, { ...LIMITS, ...options.limits });
  for (const [path, handler] of Object.entries(options.routes ?? {})) host.route(path, handler);
  const address = options.address ?? '127.0.0.1';
  const port = await host.listen(0, address);
  return { host, port, base: `http://127.0.0.1:${port}`, seen, script, close: () => host.close() };
}

export interface Answer {
  status: number;
  headers: IncomingMessage['headers'];
  rawHeaders: string[];
  body: Buffer;
  text: string;
}

export function collect(res: IncomingMessage): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('error', reject);
    res.on('end', () => {
      const body = Buffer.concat(chunks);
      resolve({ status: res.statusCode ?? 0, headers: res.headers, rawHeaders: res.rawHeaders, body, text: body.toString() });
    });
  });
}

export interface FetchInit {
  method?: string;
  headers?: OutgoingHttpHeaders | string[];
  body?: string | Buffer;
  /** Defaults to a fresh connection per request. */
  agent?: import('node:http').Agent | false;
  timeoutMs?: number;
}

/** One request with node:http; resolves with the whole answer. */
export function get(url: string, init: FetchInit = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: init.method ?? 'GET', headers: init.headers, agent: init.agent ?? false }, (res) => {
      collect(res).then(resolve, reject);
    });
    req.on('error', reject);
    req.setTimeout(init.timeoutMs ?? 10_000, () => req.destroy(new Error(`timeout: ${url}`)));
    req.end(init.body);
  });
}

/** Resolves once `check` holds (polling), or rejects after `ms`. */
export async function until(check: () => boolean, ms = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Opens a websocket client and waits for it to be open. */
export async function openWs(url: string, options: ConstructorParameters<typeof WebSocket>[2] = {}): Promise<WebSocket> {
  const ws = new WebSocket(url, options);
  await once(ws, 'open');
  return ws;
}

/** The next message a client receives. */
export async function nextMessage(ws: WebSocket): Promise<{ data: Buffer; isBinary: boolean }> {
  const [data, isBinary] = (await once(ws, 'message')) as [Buffer, boolean];
  return { data, isBinary };
}

/** Resolves with the close code and reason a client sees. */
export async function closed(ws: WebSocket): Promise<{ code: number; reason: string }> {
  if (ws.readyState === WebSocket.CLOSED) throw new Error('already closed');
  const [code, reason] = (await once(ws, 'close')) as [number, Buffer];
  return { code, reason: reason.toString() };
}
