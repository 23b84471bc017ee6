// socket.io-parser 3.x (the socket.io 2.x parser, installed under an alias for
// differential tests) ships no types; this is the part the tests use.
declare module 'socket.io-parser-v3' {
  interface PacketV3 {
    type: number;
    nsp: string;
    data?: unknown;
    id?: number;
    attachments?: number;
  }
  class Encoder {
    encode(packet: PacketV3, callback: (frames: (string | Buffer | ArrayBuffer | ArrayBufferView)[]) => void): void;
  }
  class Decoder {
    constructor(opts?: { maxAttachments?: number });
    add(frame: string | Buffer): void;
    on(event: 'decoded', listener: (packet: PacketV3) => void): this;
    reconstructor: unknown;
  }
  const parser: { protocol: number; Encoder: typeof Encoder; Decoder: typeof Decoder; ERROR: number };
  export default parser;
}
