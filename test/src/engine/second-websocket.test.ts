/**
 * A second websocket for a session that already has one: engine.io accepts
 * it and closes it at once (a close frame without status, 1005 at the
 * client), and the first websocket goes on. With the `ws` client, on one
 * worker and across workers (the second websocket on a worker that does not
 * hold the first).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { http, openData } from '@nonstick/server/testing';
import WebSocket from 'ws';
import { startTarget, TARGETS, type Target } from './targets.js';

interface Opened {
  ws: WebSocket;
  next(): Promise<string>;
}

/** Opens a websocket, queueing its text frames for `next()`. */
function open(url: string): Promise<Opened> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const frames: string[] = [];
    const waiters: Array<(f: string) => void> = [];
    ws.on('message', (d) => {
      const w = waiters.shift();
      if (w) w(d.toString());
      else frames.push(d.toString());
    });
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`answered ${res.statusCode} instead of 101`)));
    ws.once('open', () =>
      resolve({
        ws,
        next: () => {
          const f = frames.shift();
          return f !== undefined ? Promise.resolve(f) : new Promise((res) => waiters.push(res));
        },
      }),
    );
  });
}

/** What the client sees of a websocket the server accepts and closes: its close code and any frames. */
async function acceptedThenClosed(url: string): Promise<{ code: number; frames: string[] }> {
  const { ws, next } = await open(url);
  const frames: string[] = [];
  void next().then((f) => frames.push(f));
  const code = await new Promise<number>((resolve) => ws.once('close', (c) => resolve(c)));
  return { code, frames };
}

for (const kind of TARGETS) {
  describe(`a second websocket for an upgraded session (ws client): ${kind}`, () => {
    let target: Target;
    before(async () => {
      target = await startTarget(kind, []);
    });
    after(() => target?.stop());

    const port = (i: number): number => Number(new URL(target.workers[i % target.workers.length]!.url).port);
    const wsUrl = (i: number, sid: string): string => `ws://127.0.0.1:${port(i)}/engine.io/?EIO=4&transport=websocket&sid=${sid}`;

    it('after a polling session upgraded: accepted, closed without status; the first websocket goes on', async () => {
      const handshake = await http(`${target.workers[0]!.url}/engine.io/?EIO=4&transport=polling`);
      const { sid } = openData(handshake.text);
      const first = await open(wsUrl(1, sid));
      first.ws.send('2probe');
      assert.equal(await first.next(), '3probe');
      first.ws.send('5');
      first.ws.send('4before');
      assert.equal(await first.next(), '4before');

      const second = await acceptedThenClosed(wsUrl(2, sid));
      assert.equal(second.code, 1005);
      assert.deepEqual(second.frames, []);

      first.ws.send('4after');
      assert.equal(await first.next(), '4after');
      for (const w of target.workers) assert.equal(w.events('close').filter((e) => e['sid'] === sid).length, 0, 'the session lives');
      first.ws.close();
    });

    it('after a websocket handshake: the same', async () => {
      const first = await open(`ws://127.0.0.1:${port(0)}/engine.io/?EIO=4&transport=websocket`);
      const { sid } = openData(await first.next());
      const second = await acceptedThenClosed(wsUrl(1, sid));
      assert.equal(second.code, 1005);
      assert.deepEqual(second.frames, []);
      first.ws.send('4still');
      assert.equal(await first.next(), '4still');
      first.ws.close();
    });
  });
}
