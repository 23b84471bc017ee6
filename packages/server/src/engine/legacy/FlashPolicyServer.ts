import { createServer, type Server, type Socket } from 'node:net';
import { FLASH_POLICY_REQUEST } from '@nonstick/protocol';

/** Longest a client may take to ask; Flash asks at once. */
const ASK_TIMEOUT = 5000;

/**
 * The Flash socket policy server flashsocket clients ask before connecting
 * (`<policy-file-request/>\0`, answered with the policy XML, then closed).
 * It has its own port because uWebSockets.js parses every connection on the
 * HTTP port as HTTP, where 0.9 could also answer inline.
 */
export class FlashPolicyServer {
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  #port: number | null = null;

  constructor(xml: string, onBadRequest: () => void) {
    const answer = Buffer.from(xml, 'utf8');
    const request = Buffer.from(FLASH_POLICY_REQUEST, 'utf8');
    this.#server = createServer((socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
      socket.on('error', () => socket.destroy());
      socket.setTimeout(ASK_TIMEOUT, () => socket.destroy());
      let got = Buffer.alloc(0);
      socket.on('data', (chunk: Buffer) => {
        got = Buffer.concat([got, chunk]);
        const n = Math.min(got.length, request.length);
        if (got.subarray(0, n).equals(request.subarray(0, n))) {
          if (got.length >= request.length) socket.end(answer);
          return;
        }
        onBadRequest();
        socket.destroy();
      });
    });
  }

  get port(): number | null {
    return this.#port;
  }

  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, host, () => {
        this.#server.off('error', reject);
        const addr = this.#server.address();
        this.#port = typeof addr === 'object' && addr ? addr.port : port;
        resolve(this.#port);
      });
    });
  }

  close(): void {
    this.#server.close();
    for (const s of this.#sockets) s.destroy();
    this.#sockets.clear();
    this.#port = null;
  }
}
