/** Engine.IO's error codes and messages, exactly as engine.io names them. */
export const enum EngineErrorCode {
  UNKNOWN_TRANSPORT = 0,
  UNKNOWN_SID = 1,
  BAD_HANDSHAKE_METHOD = 2,
  BAD_REQUEST = 3,
  FORBIDDEN = 4,
  UNSUPPORTED_PROTOCOL_VERSION = 5,
}

export const ERROR_MESSAGES: readonly string[] = [
  'Transport unknown',
  'Session ID unknown',
  'Bad handshake method',
  'Bad request',
  'Forbidden',
  'Unsupported protocol version',
];

/** engine.io answers Forbidden with 403 and every other error with 400. */
export function errorStatus(code: EngineErrorCode): number {
  return code === EngineErrorCode.FORBIDDEN ? 403 : 400;
}

/** Emitted on the engine as `connection_error`, like engine.io. */
export interface ConnectionErrorEvent {
  req: import('../http/RequestInfo.js').RequestInfo;
  code: EngineErrorCode;
  message: string;
  context: Record<string, unknown>;
}
