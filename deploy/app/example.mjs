/**
 * An example app for the `nonstick` worker: the README's socket.io app as a
 * module for `--app` (see docs/configuration.md#your-app---app).
 *
 *   node packages/nonstick/dist/src/bin.js --app deploy/app/example.mjs
 *   pnpm cluster -- --app deploy/app/example.mjs
 *   NONSTICK_APP=/app/user/example.mjs docker compose up --build
 *
 * Client → server: join (room, ack) answers 'ok'; say (room, text) sends
 * said (socketId, text) to everyone in the room, on every worker.
 */

/** Socket.IO server options of the app; the worker's flags and environment override them. */
export const options = {
  cors: { origin: '*' },
};

/** Called once per worker, before it listens, with its Socket.IO server. */
export function setup(io) {
  io.on('connection', (socket) => {
    socket.on('join', (room, ack) => {
      socket.join(room);
      ack?.('ok');
    });
    socket.on('say', (room, text) => io.to(room).emit('said', socket.id, text));
  });
}
