import type { Engine, EngineSocket } from '@nonstick/server';

/** The smallest useful app: every message comes back to its sender. */
export function echoApp(engine: Engine): void {
  engine.on('connection', (socket: EngineSocket) => {
    socket.on('message', (data: string | Buffer) => socket.send(data));
  });
}
