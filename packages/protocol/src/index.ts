export { DecodeError, SioDecodeError } from './errors.js';
export * from './eio/index.js';
export * from './sio/index.js';
export * from './sio1/index.js';
export * from './sio06/index.js';
