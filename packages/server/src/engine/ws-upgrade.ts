import type { WsUpgrade } from '../host/Host.js';
import type { Exchange } from '../http/Exchange.js';
import type { RequestInfo } from '../http/RequestInfo.js';
import type { Generation } from '../store/Store.js';
import type { WsData } from './EngineSocket.js';

/** Per-websocket state for an upgrade about to be accepted. */
export function wsData(sid: string, kind: WsData['kind'], generation: Generation, supportsBinary: boolean, request: RequestInfo): WsData {
  return {
    sid,
    kind,
    generation,
    firstFrame: null,
    supportsBinary,
    socket: null,
    closeReason: null,
    closeDescription: undefined,
    closed: false,
    backlog: null,
    upgradeTimer: null,
    noopTimer: null,
    request,
    handshake: null,
  };
}

/** Answers the upgrade with 101 (with the exchange's headers where the host can); false if the client is gone. */
export async function acceptUpgrade(ex: Exchange, upgrade: WsUpgrade<WsData>, ud: WsData): Promise<boolean> {
  return ex.takeOver() && (await upgrade.accept(ud, ex.headers));
}
