/** The websocket transport of the load client: one Engine.IO packet per text frame. */
import WebSocket from 'ws';
import { SioClient } from './client.js';

export interface WsConnectOptions {
  /** `http://127.0.0.1:PORT` of the target (or its nginx). */
  baseUrl: string;
  /** Source address to bind (spreads connections over 127.0.x.1). */
  localAddress?: string;
  timeoutMs?: number;
}

export class WsClient extends SioClient {
  readonly transport = 'websocket' as const;
  #ws: WebSocket | null = null;

  /** Opens the websocket, completes the Engine.IO handshake and joins "/". */
  connect(opts: WsConnectOptions): Promise<void> {
    const url = `${opts.baseUrl.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`;
    const timeoutMs = opts.timeoutMs ?? 10_000;
    const ws = new WebSocket(url, {
      perMessageDeflate: false,
      skipUTF8Validation: true,
      handshakeTimeout: timeoutMs,
      ...(opts.localAddress ? { localAddress: opts.localAddress } : {}),
    });
    this.#ws = ws;
    const connected = this.waitConnected(timeoutMs);
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (!isBinary) this.handlePacket(data.toString('utf8'));
    });
    ws.on('error', (err: NodeJS.ErrnoException) => this.fail(err.code ?? err.message.slice(0, 60)));
    ws.on('unexpected-response', (_req, res) => {
      this.fail(`HTTP ${res.statusCode} on websocket handshake`);
      res.resume();
    });
    ws.on('close', (code: number) => this.fail(code === 1006 ? 'websocket closed abnormally (1006)' : `websocket closed (${code})`));
    return connected;
  }

  protected sendPacket(packet: string): void {
    const ws = this.#ws;
    if (ws && ws.readyState === WebSocket.OPEN) ws.send(packet);
  }

  protected teardown(graceful: boolean): void {
    const ws = this.#ws;
    if (!ws) return;
    ws.removeAllListeners('close');
    ws.on('error', () => {});
    if (graceful && ws.readyState === WebSocket.OPEN) {
      ws.close(1000);
      // Do not wait forever for the closing handshake.
      setTimeout(() => ws.terminate(), 2_000).unref();
    } else {
      ws.terminate();
    }
  }
}
