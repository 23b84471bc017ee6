export { RedisStore, type RedisStoreOptions, type RedisStoreEvents } from './RedisStore.js';
export {
  COMMAND_DEFAULTS,
  reconnectDelay,
  timeCommands,
  type Client,
  type ConnectionOptions,
  type ConnectionRole,
  type ConnectionStatus,
  type StatusEvent,
} from './connection.js';
export { MalformedReplyError } from './decode.js';
export { Keys, DEFAULT_PREFIX, hashTag, isTaggable } from './keys.js';
export { SCRIPTS, scriptSource, type ScriptDef, type ScriptName } from './scripts/index.js';
export { RedisBus, BusGapError, type RedisBusOptions, type RedisBusEvents, type BusStatusEvent, type BusConnectionRole } from './RedisBus.js';
