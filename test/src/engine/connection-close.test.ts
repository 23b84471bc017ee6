import assert from 'node:assert/strict';
import { Agent, request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { openData } from '@nonstick/server/testing';
import fetch from 'node-fetch';
import { spawnWorker, type WorkerProcess } from '../fixtures/cluster.js';

/**
 * Node 20's global agent keeps connections alive, and clients may still send
 * `Connection: close` on it (node-fetch 2 did by default; 3 does when told). An answer that closes its connection
 * without saying so lets the agent reuse a dead socket: `socket hang up` on
 * the next request. Every answer must say `Connection: close` when the
 * connection ends, on either network host.
 */

const MAX_BUFFER = 1000;
const ROUNDS = 15;
const q = (sid?: string) => `/engine.io/?EIO=4&transport=polling${sid ? `&sid=${sid}` : ''}`;

interface Answer {
  status: number;
  text: string;
  /** The answer's `Connection` header ('' if none). */
  connection: string;
}

type Send = (url: string, init?: { method?: string; body?: string }) => Promise<Answer>;

/** node-fetch on Node's global agent (keep-alive since Node 19). */
const viaNodeFetch =
  (headers: Record<string, string>): Send =>
  async (url, init = {}) => {
    const r = await fetch(url, { method: init.method ?? 'GET', headers, ...(init.body === undefined ? {} : { body: init.body }) });
    return { status: r.status, text: await r.text(), connection: r.headers.get('connection') ?? '' };
  };

/** http.request on one keep-alive socket at most, so every request reuses whatever the last one left. */
function viaHttpRequest(headers: Record<string, string>): { send: Send; agent: Agent } {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const send: Send = (url, init = {}) =>
    new Promise((resolve, reject) => {
      const req = request(url, { method: init.method ?? 'GET', agent, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), connection: res.headers.connection ?? '' }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.setTimeout(5000, () => req.destroy(new Error(`timeout: ${init.method ?? 'GET'} ${url}`)));
      req.end(init.body);
    });
  return { send, agent };
}

/**
 * Handshake, POST, poll, then the two error answers that end a session:
 * unknown sid and an oversize POST. `closes`: the client sent `Connection:
 * close`, so every answer must say the connection ends.
 */
async function round(send: Send, base: string, n: number, closes: boolean): Promise<void> {
  const say = (a: Answer, what: string) => (closes ? assert.equal(a.connection.toLowerCase(), 'close', `round ${n} ${what}: Connection header`) : undefined);
  const hs = await send(base + q());
  say(hs, 'handshake');
  assert.equal(hs.status, 200, `round ${n} handshake: ${hs.text}`);
  const { sid } = openData(hs.text);
  const post = await send(base + q(sid), { method: 'POST', body: `4hello${n}` });
  assert.equal(post.text, 'ok', `round ${n} POST`);
  say(post, 'POST');
  const poll = await send(base + q(sid));
  assert.equal(poll.status, 200, `round ${n} poll`);
  say(poll, 'poll');
  assert.ok(poll.text.split('\x1e').includes(`4hello${n}`), `round ${n} poll: ${poll.text}`);
  const unknown = await send(base + q('nonexistentsid00'));
  assert.equal(unknown.status, 400, `round ${n} unknown sid`);
  say(unknown, 'unknown sid');
  assert.deepEqual(JSON.parse(unknown.text), { code: 1, message: 'Session ID unknown' });
  const big = await send(base + q(sid), { method: 'POST', body: `4${'x'.repeat(MAX_BUFFER * 2)}` });
  assert.equal(big.status, 413, `round ${n} oversize POST`);
  // The server stops reading the body: the connection ends whatever the client asked.
  assert.equal(big.connection.toLowerCase(), 'close', `round ${n} oversize POST: Connection header`);
}

const HOSTS = process.env['NONSTICK_HTTP_SERVER'] ? [process.env['NONSTICK_HTTP_SERVER']] : ['uws', 'node'];

for (const host of HOSTS) {
  describe(`Connection: close on keep-alive agents (one worker, ${host} host)`, () => {
    let w: WorkerProcess;
    before(async () => {
      w = await spawnWorker(['--max-http-buffer-size', String(MAX_BUFFER)], { REDIS_URL: undefined, NONSTICK_HTTP_SERVER: host }, `worker-${host}`);
      assert.equal(w.httpServer, host);
    });
    after(() => w?.child.stop(5000));

    it('node-fetch 3 on the global agent sending Connection: close (as node-fetch 2 did by default)', async () => {
      for (let n = 0; n < ROUNDS; n++) await round(viaNodeFetch({ Connection: 'close' }), w.url, n, true);
    });

    it('node-fetch 3 on the global agent as it comes (keep-alive)', async () => {
      for (let n = 0; n < ROUNDS; n++) await round(viaNodeFetch({}), w.url, n, false);
    });

    it('http.request with Connection: close on a keep-alive agent', async () => {
      const { send, agent } = viaHttpRequest({ Connection: 'close' });
      try {
        for (let n = 0; n < ROUNDS; n++) await round(send, w.url, n, true);
      } finally {
        agent.destroy();
      }
    });

    it('http.request keeping the connection alive: answers that end it say so', async () => {
      const { send, agent } = viaHttpRequest({});
      try {
        for (let n = 0; n < ROUNDS; n++) await round(send, w.url, n, false);
      } finally {
        agent.destroy();
      }
    });
  });
}
