export type { Sio06Message } from './types.js';
export { Sio06DecodeError } from './errors.js';
export { encodeSio06Frame, encodeSio06Payload, decodeSio06Payload, decodeSio06PayloadLenient } from './payload.js';
export { encodeSio06Message, decodeSio06Message, sio06TextOf } from './message.js';
export {
  SIO06_HTMLFILE_PRELUDE,
  sio06HtmlfileChunk,
  sio06JsonpPoll,
  SIO06_MULTIPART_BOUNDARY,
  SIO06_MULTIPART_CONTENT_TYPE,
  SIO06_MULTIPART_PRELUDE,
  sio06MultipartPart,
} from './transport.js';
export { decodeSio06Form } from './form.js';
export { sio06FlashPolicyXml } from './flash-policy.js';
