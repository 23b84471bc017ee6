// engine.io-client 3.x ships no types; this is the part the tests use.
declare module 'engine.io-client-v3' {
  import { EventEmitter } from 'node:events';
  interface SocketV3 extends EventEmitter {
    id: string;
    readyState: string;
    transport: { name: string };
    send(data: string | Buffer | ArrayBuffer, cb?: () => void): void;
    close(): void;
  }
  function eio(uri: string, opts?: Record<string, unknown>): SocketV3;
  export default eio;
  export type { SocketV3 };
}
