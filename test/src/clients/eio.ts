import { Socket as SocketV4 } from 'engine.io-client';
import eio3, { type SocketV3 } from 'engine.io-client-v3';

export type ClientVersion = 'v4' | 'v3';
export type ClientMode = 'polling' | 'websocket' | 'upgrade';

/** The part of engine.io-client 6.x and 3.x the tests share. */
export interface TestClient {
  readonly version: ClientVersion;
  readonly raw: SocketV4 | SocketV3;
  readonly id: string;
  transportName(): string;
  send(data: string | Buffer): void;
  close(): void;
  /** Messages received so far, normalised (binary as Buffer). */
  readonly received: Array<string | Buffer>;
  nextMessages(n: number, timeoutMs?: number): Promise<Array<string | Buffer>>;
  closed: Promise<string>;
  upgraded: Promise<string>;
}

export function modeOptions(mode: ClientMode): Record<string, unknown> {
  if (mode === 'polling') return { transports: ['polling'], upgrade: false };
  if (mode === 'websocket') return { transports: ['websocket'] };
  return { transports: ['polling', 'websocket'], upgrade: true };
}

function normalise(d: unknown): string | Buffer {
  if (typeof d === 'string') return d;
  if (Buffer.isBuffer(d)) return d;
  if (d instanceof ArrayBuffer) return Buffer.from(d);
  if (ArrayBuffer.isView(d)) return Buffer.from(d.buffer, d.byteOffset, d.byteLength);
  return String(d);
}

/** Opens a client and resolves once the handshake is done. */
export function connect(version: ClientVersion, url: string, mode: ClientMode, extra: Record<string, unknown> = {}): Promise<TestClient> {
  const opts = { path: '/engine.io', ...modeOptions(mode), ...extra };
  const raw: SocketV4 | SocketV3 = version === 'v4' ? new SocketV4(url, opts) : eio3(url, opts);
  const emitter = raw as unknown as import('node:events').EventEmitter;
  const received: Array<string | Buffer> = [];
  let waiters: Array<() => void> = [];
  emitter.on('message', (d: unknown) => {
    received.push(normalise(d));
    const w = waiters;
    waiters = [];
    for (const f of w) f();
  });
  const closed = new Promise<string>((resolve) => emitter.once('close', (reason: unknown) => resolve(String(reason))));
  const upgraded = new Promise<string>((resolve) => emitter.once('upgrade', (t: { name: string }) => resolve(t.name)));
  closed.catch(() => {});
  upgraded.catch(() => {});
  let consumed = 0;
  const client: TestClient = {
    version,
    raw,
    get id() {
      return (raw as { id: string }).id;
    },
    transportName: () => (raw as { transport: { name: string } }).transport.name,
    send: (data) => (raw as { send(d: unknown): void }).send(data),
    close: () => raw.close(),
    received,
    closed,
    upgraded,
    nextMessages(n, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        const t = setTimeout(
          () =>
            reject(
              new Error(`timed out waiting for ${n} messages; have ${received.length - consumed}: ${JSON.stringify(received.slice(consumed, consumed + 5))}`),
            ),
          timeoutMs,
        );
        const check = () => {
          if (received.length - consumed >= n) {
            clearTimeout(t);
            const out = received.slice(consumed, consumed + n);
            consumed += n;
            resolve(out);
          } else waiters.push(check);
        };
        check();
      });
    },
  };
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${version} ${mode}: no open within 5s`)), 5000);
    emitter.once('open', () => {
      clearTimeout(t);
      resolve(client);
    });
    emitter.once('error', (err: unknown) => {
      clearTimeout(t);
      reject(err instanceof Error ? err : new Error(String(err)));
    });
  });
}
