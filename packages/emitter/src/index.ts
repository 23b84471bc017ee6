export { Emitter, DEFAULT_RETENTION, type EmitterOptions } from './Emitter.js';
export { BroadcastOperator, type BroadcastFlags } from './BroadcastOperator.js';
