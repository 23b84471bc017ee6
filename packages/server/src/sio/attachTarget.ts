import type { AddressInfo } from 'node:net';
import type { Host } from '../host/Host.js';
import type { AttachableServer } from '../host/node/NodeHost.js';

/** What `new Server(…)`, `io.attach(…)` and `io.listen(…)` take, as socket.io does: a port, a node server, or (Nonstick) a host. */
export type AttachTarget = number | AttachableServer | Host;

/**
 * socket.io's test for the options-only constructor: a plain object with no
 * `listen` is options (servers and hosts all have one).
 */
export function isOptionsArgument(arg: unknown): boolean {
  return typeof arg === 'object' && arg !== null && typeof (arg as { listen?: unknown }).listen !== 'function';
}

/** socket.io's checks on what is attached, and Nonstick's fixed engine options. */
export function checkAttach(target: unknown, opts: object | undefined): void {
  if (typeof target === 'function') {
    throw new Error('You are trying to attach socket.io to an express request handler function. Please pass a http.Server instance.');
  }
  if (opts && Object.keys(opts).length > 0) {
    throw new Error('options given to io.attach/io.listen are not supported: the engine is configured once, pass them to new Server(…, options)');
  }
}

export function isHost(target: object): target is Host {
  return typeof (target as Host).mount === 'function' && typeof (target as Host).route === 'function';
}

/**
 * Resolves with the port once a user's server listens (at once if it
 * already does); rejects if it fails to start listening.
 */
export function serverListening(server: AttachableServer): Promise<number> {
  if (server.listening) return Promise.resolve((server.address() as AddressInfo).port);
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => {
      server.off('listening', onListening);
      reject(err);
    };
    const onListening = (): void => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
  });
}

/** Closes a user's server as socket.io's `close` does; one that does not listen is already closed. */
export function closeServer(server: AttachableServer): Promise<void> {
  if (!server.listening) return Promise.resolve();
  return new Promise((resolve) => server.close(() => resolve()));
}
