import { Engine } from '../../src/engine/Engine.js';
import type { EngineSocket } from '../../src/engine/EngineSocket.js';
import type { EngineOptions } from '../../src/engine/options.js';

export interface RunningEngine {
  engine: Engine;
  port: number;
  url: string;
  /** Every socket the engine announced, in order. */
  sockets: EngineSocket[];
  close(): Promise<void>;
}

/**
 * An in-process engine on a free port with a small test app: messages are
 * echoed; `burst:<n>` makes the server send n numbered messages; `close`
 * makes the server close the session.
 */
export async function startEngine(opts: EngineOptions = {}): Promise<RunningEngine> {
  const engine = new Engine({ ...opts });
  const sockets: EngineSocket[] = [];
  engine.on('connection', (socket: EngineSocket) => {
    sockets.push(socket);
    socket.on('message', (data: string | Buffer) => {
      if (typeof data === 'string' && data.startsWith('burst:')) {
        const n = Number(data.slice(6));
        for (let i = 0; i < n; i++) socket.send(`s${i}`);
        return;
      }
      if (data === 'close') {
        socket.close();
        return;
      }
      socket.send(data);
    });
  });
  const port = await engine.listen(0, '127.0.0.1');
  return {
    engine,
    port,
    url: `http://127.0.0.1:${port}`,
    sockets,
    close: () => engine.close(),
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function until(pred: () => boolean, timeoutMs = 3000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}
