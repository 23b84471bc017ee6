export { Engine, type EngineEvents } from './engine/Engine.js';
export { EngineSocket, type ReadyState, type SendData, type TransportInfo } from './engine/EngineSocket.js';
export type { EngineOptions, TransportName, AllowRequest, LegacyOptions, LegacyTransportName, Sio06Options, Sio06TransportName } from './engine/options.js';
export { EngineErrorCode, ERROR_MESSAGES, type ConnectionErrorEvent } from './engine/errors.js';
export type { EngineMiddleware } from './engine/middlewares.js';
export type { RequestInfo } from './http/RequestInfo.js';
export type { CorsOptions } from './http/cors.js';
export { hasOriginAllowList } from './http/cors.js';
export type { CookieOptions } from './http/cookie.js';
export { MemoryStore, MemoryCluster } from './store/MemoryStore.js';
export * from './store/Store.js';
export { encodeWorkerMessage, decodeWorkerMessage } from './store/messages.js';
export { loadUws, isNativeUws, probeUws, usingUwsFallback, UwsFallbackError, UwsMissingError, type UwsProbe } from './uws.js';
export type {
  Host,
  HostKind,
  RawResponse,
  WsConnection,
  WsUpgrade,
  EngineHandlers,
  WsLimits,
  RouteHandler,
  MiddlewareRequest,
  MiddlewareTarget,
} from './host/Host.js';
export { NodeHost, type AttachableServer } from './host/node/NodeHost.js';
export { createHost, type HostChoice, type HostSelectOptions, type SelectedHost } from './host/select.js';
export { Server, type ServerOptions, type ConnectionStateRecoveryOptions } from './sio/Server.js';
export { Namespace, type ExtendedError, type NamespaceMiddleware } from './sio/Namespace.js';
export { ParentNamespace, type NamespaceMatcher } from './sio/ParentNamespace.js';
export { Socket, type Handshake, type DisconnectReason, type SocketSnapshot } from './sio/Socket.js';
export { BroadcastOperator, type BroadcastFlags } from './sio/BroadcastOperator.js';
export { RemoteSocket, type SocketDetails } from './sio/RemoteSocket.js';
export { Client } from './sio/Client.js';
export type { CustomParser, ParserPacket, ParserEncoder, ParserDecoder } from './sio/parser.js';
export type * from './sio/typed-events.js';
export { compareIds, ID_PATTERN, type Bus, type BusEntry, type BusHandler, type BusInput, type BusOptions } from './bus/Bus.js';
export { MemoryBus, MemoryLog, type MemoryBusOptions } from './bus/MemoryBus.js';
export { NOOP_METRICS, type Metrics, type MetricsErrorCode, type MetricsGeneration, type MetricsRedisClient, type MetricsSource } from './metrics/Metrics.js';
export { PromMetrics, type PromMetricsOptions } from './metrics/PromMetrics.js';
export { UwsHost, type UwsHostOptions } from './host/uws/UwsHost.js';
