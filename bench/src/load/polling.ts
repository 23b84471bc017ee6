/**
 * The HTTP long-polling transport of the load client: a handshake GET, then
 * one long-poll GET always outstanding and one POST at a time (packets sent
 * while a POST is in flight are batched into the next, separated by \x1e),
 * as engine.io-client does. A 400 (e.g. `Session ID unknown` on a cluster
 * without stickiness) or a network error ends the session.
 */
import { Agent, request, type IncomingMessage } from 'node:http';
import { SioClient } from './client.js';

const SEP = '\x1e';

export interface PollConnectOptions {
  baseUrl: string;
  /** Keep-alive agent bound to the client's source address (see addresses.ts). */
  agent: Agent;
  timeoutMs?: number;
}

interface HttpReply {
  status: number;
  body: string;
}

function httpRequest(agent: Agent, url: URL, method: 'GET' | 'POST', body: string | null, track: Set<ReturnType<typeof request>>): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        method,
        headers: body === null ? {} : { 'content-type': 'text/plain;charset=UTF-8', 'content-length': Buffer.byteLength(body) },
      },
      (res: IncomingMessage) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          track.delete(req);
          resolve({ status: res.statusCode ?? 0, body: text });
        });
        res.on('error', (err) => {
          track.delete(req);
          reject(err);
        });
      },
    );
    track.add(req);
    req.on('error', (err) => {
      track.delete(req);
      reject(err);
    });
    if (body === null) req.end();
    else req.end(body);
  });
}

function describeStatus(r: HttpReply): string {
  let msg = '';
  try {
    msg = (JSON.parse(r.body) as { message?: string }).message ?? '';
  } catch {
    msg = r.body.slice(0, 40);
  }
  return `${r.status}${msg ? ` ${msg}` : ''}`;
}

export class PollingClient extends SioClient {
  readonly transport = 'polling' as const;
  #agent: Agent | null = null;
  #base = '';
  #queue: string[] = [];
  #posting = false;
  readonly #inflight = new Set<ReturnType<typeof request>>();
  #requests = 0;

  async connect(opts: PollConnectOptions): Promise<void> {
    this.#agent = opts.agent;
    this.#base = `${opts.baseUrl}/socket.io/?EIO=4&transport=polling`;
    const timeoutMs = opts.timeoutMs ?? 10_000;
    const connected = this.waitConnected(timeoutMs);
    connected.catch(() => {});
    let r: HttpReply;
    try {
      r = await httpRequest(opts.agent, new URL(`${this.#base}&t=${Date.now().toString(36)}`), 'GET', null, this.#inflight);
    } catch (err) {
      this.fail((err as NodeJS.ErrnoException).code ?? 'handshake failed');
      return connected;
    }
    if (r.status !== 200) {
      this.fail(`handshake ${describeStatus(r)}`);
      return connected;
    }
    this.#deliver(r.body); // the open packet: onOpen() queues `40`
    this.#poll();
    return connected;
  }

  /** For diagnostics: what the transport is waiting for. */
  state(): { posting: boolean; queued: number; inflight: number } {
    return { posting: this.#posting, queued: this.#queue.length, inflight: this.#inflight.size };
  }

  #url(): URL {
    // Unique per request, like engine.io-client's yeast: a repeated `t` is a load balancer's replay to Nonstick.
    return new URL(`${this.#base}&sid=${encodeURIComponent(this.sid)}&t=${Date.now().toString(36)}.${(++this.#requests).toString(36)}`);
  }

  #deliver(payload: string): void {
    if (payload.indexOf(SEP) === -1) {
      this.handlePacket(payload);
      return;
    }
    for (const p of payload.split(SEP)) {
      if (this.closed) return;
      this.handlePacket(p);
    }
  }

  #poll(): void {
    if (this.closed || !this.#agent) return;
    httpRequest(this.#agent, this.#url(), 'GET', null, this.#inflight).then(
      (r) => {
        if (this.closed) return;
        if (r.status !== 200) return this.fail(`GET ${describeStatus(r)}`);
        this.#deliver(r.body);
        this.#poll();
      },
      (err: NodeJS.ErrnoException) => this.fail(`GET ${err.code ?? err.message.slice(0, 40)}`),
    );
  }

  protected sendPacket(packet: string): void {
    if (this.closed) return;
    this.#queue.push(packet);
    if (!this.#posting) this.#flush();
  }

  #flush(): void {
    if (this.closed || !this.#agent || this.#queue.length === 0) return;
    const body = this.#queue.length === 1 ? this.#queue[0]! : this.#queue.join(SEP);
    this.#queue = [];
    this.#posting = true;
    httpRequest(this.#agent, this.#url(), 'POST', body, this.#inflight).then(
      (r) => {
        this.#posting = false;
        if (this.closed) return;
        if (r.status !== 200) return this.fail(`POST ${describeStatus(r)}`);
        this.#flush();
      },
      (err: NodeJS.ErrnoException) => {
        this.#posting = false;
        this.fail(`POST ${err.code ?? err.message.slice(0, 40)}`);
      },
    );
  }

  protected teardown(graceful: boolean): void {
    const agent = this.#agent;
    const inflight = [...this.#inflight];
    this.#inflight.clear();
    for (const req of inflight) {
      req.on('error', () => {});
      req.destroy();
    }
    // A close packet tells the server the session is over (fire and forget).
    if (graceful && agent && this.sid) {
      const url = this.#url();
      const req = request(
        {
          agent,
          host: url.hostname,
          port: url.port,
          path: url.pathname + url.search,
          method: 'POST',
          headers: { 'content-type': 'text/plain;charset=UTF-8', 'content-length': 1 },
        },
        (res) => res.resume(),
      );
      req.on('error', () => {});
      req.setTimeout(2_000, () => req.destroy());
      req.end('1');
    }
  }
}
