export type { LegacyPacket, LegacyErrorReason, LegacyErrorAdvice } from './types.js';
export { LegacyDecodeError } from './errors.js';
export { encodeLegacyPacket, decodeLegacyPacket } from './packet.js';
export { encodeLegacyPayload, decodeLegacyPayload } from './payload.js';
export { legacyHandshakeBody, legacyJsonp, legacyJsonpError, HTMLFILE_PRELUDE, htmlfileChunk, decodeJsonpForm } from './transport.js';
export { flashPolicyXml, FLASH_POLICY_REQUEST } from './flash-policy.js';
