/**
 * `@nonstick/server/wire`: the bus contract and the Socket.IO layer's bus
 * entries, for processes that talk to a cluster without running a worker
 * (the bus implementations, `@nonstick/emitter`). Nothing here loads a host,
 * metrics or the engine.
 */
export { compareIds, ID_PATTERN, type Bus, type BusEntry, type BusHandler, type BusInput, type BusOptions } from './bus/Bus.js';
export {
  broadcastEntry,
  decodeBroadcast,
  decodeOp,
  decodeServerSide,
  encodeBroadcast,
  encodeOp,
  encodeServerSide,
  KIND_BROADCAST,
  KIND_OP,
  KIND_SERVER_SIDE,
  RESERVED_SERVER_SIDE_EVENTS,
  type AckTarget,
  type BroadcastEntry,
  type BroadcastSelection,
  type RoomOp,
  type ServerSideEntry,
} from './sio/wire.js';
