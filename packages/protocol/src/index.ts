export { DecodeError } from './errors.js';
export * from './eio/index.js';
