// socket.io-client 2.x ships no types; this is the part the tests use.
declare module 'socket.io-client-v2' {
  import { EventEmitter } from 'node:events';
  interface SocketV2 extends EventEmitter {
    id: string;
    connected: boolean;
    io: { engine: { transport: { name: string }; id: string; close(): void } };
    emit(ev: string, ...args: unknown[]): this;
    close(): this;
    disconnect(): this;
  }
  function io(uri: string, opts?: Record<string, unknown>): SocketV2;
  export default io;
  export type { SocketV2 };
}
