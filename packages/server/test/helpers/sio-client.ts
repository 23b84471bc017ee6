import type { Socket as ClientSocket } from 'socket.io-client';

/** Settles when a socket.io-client socket connects; rejects with its connect_error. */
export function connected(c: ClientSocket): Promise<void> {
  return new Promise((resolve, reject) => {
    c.once('connect', () => resolve());
    c.once('connect_error', reject);
  });
}
