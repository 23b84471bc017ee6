// What other packages' tests use from this one: the store contract suite and
// raw HTTP helpers for byte-level protocol tests.
export { runStoreContract, sessionInit, sid, type ContractEnv, type ContractFactory } from './contract/index.js';
export { http, openData, type RawResponse } from './helpers/http.js';
export { runBusContract, startReader, plain, type BusEnv, type BusFactory, type BusFactoryOptions, type BusReader } from './bus-contract/index.js';
export { runHostContract, start as startHost, ENGINE_PATH, LIMITS, type HostFactory, type Running } from './host-contract/index.js';
export { selfSigned } from './helpers/tls.js';
