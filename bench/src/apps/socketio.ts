/**
 * The official socket.io server running the bench app.
 *   --engine ws   socket.io on node:http + ws (its default)
 *   --engine uws  socket.io on uWebSockets.js (io.attachApp(app))
 *   --redis-url   cluster node: @socket.io/redis-streams-adapter on that Redis
 */
import { createServer } from 'node:http';
import { Server } from 'socket.io';
import { announce, benchApp, flag, serverControl } from './app.js';

const argv = process.argv.slice(2);
const port = Number(flag(argv, 'port') ?? 0);
const host = flag(argv, 'host') ?? '127.0.0.1';
const engine = flag(argv, 'engine') ?? 'ws';
const redisUrl = flag(argv, 'redis-url');

const io = new Server();
if (redisUrl) {
  const { Redis } = await import('ioredis');
  const { createAdapter } = await import('@socket.io/redis-streams-adapter');
  const redis = new Redis(redisUrl);
  io.adapter(createAdapter(redis));
}
benchApp(io);

if (engine === 'uws') {
  const uWS = (await import('uWebSockets.js')).default;
  const app = uWS.App();
  io.attachApp(app);
  app.listen(host, port, (token) => {
    if (!token) {
      process.stderr.write(`socket.io (uws): cannot listen on ${host}:${port}\n`);
      process.exit(1);
    }
    serverControl(() => {
      uWS.us_listen_socket_close(token);
      void io.close();
    });
    announce(uWS.us_socket_local_port(token), { server: 'socket.io', engine: 'uws', adapter: redisUrl ? 'redis-streams' : 'memory' });
  });
} else {
  const http = createServer();
  io.attach(http);
  http.listen(port, host, () => {
    const addr = http.address();
    serverControl(() => new Promise<void>((resolve) => io.close(() => resolve())));
    announce(typeof addr === 'object' && addr ? addr.port : port, { server: 'socket.io', engine: 'ws', adapter: redisUrl ? 'redis-streams' : 'memory' });
  });
}
