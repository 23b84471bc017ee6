import { runHostContract } from './host-contract/index.js';
import { NodeHost } from '../src/host/node/NodeHost.js';

runHostContract('NodeHost', () => new NodeHost());
