export type { EioPacket, EioPacketType } from './types.js';
export { EIO_PACKET_TYPES } from './packet-type.js';
export { decodePacketV4, decodePacketV4Text, decodePayloadV4, encodePacketV4, encodePacketV4Text, encodePayloadV4 } from './v4.js';
export { decodePacketV3, encodePacketV3, encodePacketV3Text } from './v3.js';
export { decodePayloadV3, encodePayloadV3 } from './v3-payload.js';
