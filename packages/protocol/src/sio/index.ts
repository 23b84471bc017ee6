export { SioPacketType, type SioPacket, type SioPacketTypeCode, type SioRevision } from './types.js';
export { encodeSioPacket } from './encode.js';
export { hasBinary, isBinary } from './has-binary.js';
export { payloadProblem, RESERVED_EVENT_NAMES } from './payload.js';
export { SioDecoder, type SioDecoderOptions } from './decoder.js';
