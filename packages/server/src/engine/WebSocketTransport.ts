import type { EioPacket } from '@nonstick/protocol';
import type { HttpRequest, HttpResponse, us_socket_context_t, WebSocket, WebSocketBehavior } from 'uWebSockets.js';
import { Exchange } from '../http/Exchange.js';
import type { MetricsErrorCode } from '../metrics/Metrics.js';
import { snapshotRequest, type RequestInfo } from '../http/RequestInfo.js';
import { dialectOf } from './dialects.js';
import { dialect } from './eio.js';
import type { Engine } from './Engine.js';
import { parseHandshake } from './Engine.js';
import type { WsData } from './EngineSocket.js';
import { EngineErrorCode, ERROR_MESSAGES, errorStatus } from './errors.js';
import { checkAllowRequest, openPacketData, protocolOf, verifyRequest, type HandshakeRecord, type Rejection } from './handshake.js';
import { routeOf } from './routes.js';
import { generateId, isValidSid } from './sid.js';
import type { Generation } from '../store/Store.js';

export interface UpgradeKeys {
  key: string;
  protocol: string;
  extensions: string;
  context: us_socket_context_t;
}

/**
 * The websocket transport: a handshake straight over websocket, or the probe
 * that upgrades a polling session. A websocket always lives on its session's
 * owner: completing an upgrade moves ownership here in the same store step,
 * so frames of an established websocket never touch the store.
 */
export class WebSocketTransport {
  readonly #engine: Engine;

  constructor(engine: Engine) {
    this.#engine = engine;
  }

  behavior(): WebSocketBehavior<WsData> {
    const engine = this.#engine;
    const o = engine.options;
    return {
      compression: o.perMessageDeflate ? engine.uws.SHARED_COMPRESSOR : engine.uws.DISABLED,
      maxPayloadLength: o.maxHttpBufferSize,
      maxBackpressure: o.maxBackpressure,
      // Dropping a frame would silently break the session's ordering; closing
      // lets the client reconnect (and recover, at the Socket.IO layer).
      closeOnBackpressureLimit: 1,
      // Engine.IO has its own heartbeats.
      idleTimeout: 0,
      sendPingsAutomatically: false,
      upgrade: (res, req, context) => this.#onUpgrade(res, req, context),
      open: (ws) => this.#onOpen(ws),
      message: (ws, message, isBinary) => this.#onFrame(ws, message, isBinary),
      close: (ws) => this.#onClose(ws),
    };
  }

  #onUpgrade(res: HttpResponse, req: HttpRequest, context: us_socket_context_t): void {
    const info = snapshotRequest(req, res);
    const keys: UpgradeKeys = {
      key: req.getHeader('sec-websocket-key'),
      protocol: req.getHeader('sec-websocket-protocol'),
      extensions: req.getHeader('sec-websocket-extensions'),
      context,
    };
    const ex = new Exchange(res);
    this.#handleUpgrade(ex, info, keys).catch((err) => this.#engine.storeUnavailable(ex, err));
  }

  async #handleUpgrade(ex: Exchange, info: RequestInfo, keys: UpgradeKeys): Promise<void> {
    const engine = this.#engine;
    const o = engine.options;
    await engine.ready;
    const route = routeOf(o.path, info.path);
    if (route.kind === 'legacy' && engine.legacy) return engine.legacy.upgrade(ex, info, keys, route);
    if (route.kind === 'sio06' && engine.sio06) return engine.sio06.upgrade(ex, info, keys, route);
    if (route.kind === 'none' || route.kind === 'sio06') {
      ex.respond(404, 'text/plain', 'Not Found', undefined, true);
      return;
    }
    const rejection = verifyRequest(o, info, true);
    if (rejection) return this.#refuse(ex, info, rejection);
    const sid = info.query['sid'];
    if (sid !== undefined) {
      if (!isValidSid(sid)) return this.#refuse(ex, info, { code: EngineErrorCode.UNKNOWN_SID, context: { sid } });
      if (!o.allowUpgrades) return this.#refuse(ex, info, { code: EngineErrorCode.BAD_REQUEST, context: { name: 'UPGRADES_DISABLED' } });
      const r = await engine.store.beginUpgrade(sid);
      if (r.kind === 'unknown') return this.#refuse(ex, info, { code: EngineErrorCode.UNKNOWN_SID, context: { sid } });
      if (r.kind !== 'ok') return this.#refuse(ex, info, { code: EngineErrorCode.BAD_REQUEST, context: { name: 'TRANSPORT_MISMATCH', transport: 'websocket' } });
      const hs = parseHandshake(r.record.handshake);
      if (!this.accept(ex, keys, this.data(sid, 'probe', r.record.generation, hs.supportsBinary, hs.request))) {
        await engine.store.abortUpgrade(sid);
      }
      return;
    }
    const protocol = protocolOf(o, info);
    if (typeof protocol === 'object') return this.#refuse(ex, info, protocol);
    const denied = await checkAllowRequest(o, info);
    if (denied) return this.#refuse(ex, info, denied);
    const newSid = generateId();
    const hs: HandshakeRecord = { request: info, issued: Date.now(), supportsBinary: protocol === 3 };
    await engine.store.create({
      sid: newSid,
      generation: protocol === 4 ? 'eio4' : 'eio3',
      transport: 'websocket',
      owner: engine.workerId,
      persistent: true,
      pingInterval: o.pingInterval,
      pingTimeout: o.pingTimeout,
      heartbeat: dialect(protocol).heartbeat,
      pingEntry: '2',
      closeEntry: '1',
      storeHeartbeat: false,
      handshake: JSON.stringify(hs),
      flags: hs.supportsBinary ? 'bin' : '',
      settling: false,
    });
    engine.metrics.handshake(protocol === 4 ? 'eio4' : 'eio3', 'websocket');
    const ud = this.data(newSid, 'session', protocol === 4 ? 'eio4' : 'eio3', hs.supportsBinary, info);
    ud.handshake = hs;
    // No Set-Cookie here: uWebSockets.js cannot add headers to a 101 answer
    // (writing one turns the answer into a 200). Documented in the README.
    if (!this.accept(ex, keys, ud)) await engine.store.destroy(newSid);
  }

  /** Per-websocket state for an upgrade about to be accepted. */
  data(sid: string, kind: WsData['kind'], generation: Generation, supportsBinary: boolean, request: RequestInfo): WsData {
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

  /** Answers the upgrade with 101; false if the client is gone. */
  accept(ex: Exchange, keys: UpgradeKeys, ud: WsData): boolean {
    if (!ex.open) return false;
    ex.done = true;
    const res = ex.res;
    res.cork(() => res.upgrade(ud, keys.key, keys.protocol, keys.extensions, keys.context));
    return true;
  }

  /** engine.io refuses a websocket with a plain-text HTTP error carrying the message. */
  #refuse(ex: Exchange, info: RequestInfo, r: Rejection): void {
    const engine = this.#engine;
    engine.metrics.error(String(r.code) as MetricsErrorCode);
    if (engine.listenerCount('connection_error') > 0) {
      engine.emit('connection_error', { req: info, code: r.code, message: ERROR_MESSAGES[r.code]!, context: r.context });
    }
    const message = typeof r.context['message'] === 'string' ? r.context['message'] : ERROR_MESSAGES[r.code]!;
    ex.respond(errorStatus(r.code), 'text/html', message, undefined, true);
  }

  #onOpen(ws: WebSocket<WsData>): void {
    const engine = this.#engine;
    const ud = ws.getUserData();
    if (ud.kind === 'refused') {
      // The client learns why in its own protocol before the close.
      ws.send(ud.firstFrame ?? '', false);
      ws.end(1000);
      return;
    }
    if (ud.kind === 'attach') {
      // A legacy transport: opening it is the upgrade.
      ud.kind = 'session';
      ud.backlog = [];
      void this.#completeUpgrade(ws, ud);
      return;
    }
    if (ud.kind === 'probe') {
      ud.upgradeTimer = setTimeout(() => {
        ud.upgradeTimer = null;
        if (!ud.closed && ud.kind === 'probe') ws.end(1000);
      }, engine.options.upgradeTimeout);
      return;
    }
    const o = engine.options;
    const hs = ud.handshake!;
    // Engine.IO's open packet, or what the generation greets with (0.6: the session id).
    ws.send(ud.firstFrame ?? `0${openPacketData(o, ud.sid, [])}`, false);
    const socket = engine.adopt(ud.sid, ud.generation, 'websocket', hs, false);
    ud.socket = socket;
    socket.attachFreshWebSocket(ws);
    engine.announce(socket);
  }

  #onFrame(ws: WebSocket<WsData>, message: ArrayBuffer, isBinary: boolean): void {
    const ud = ws.getUserData();
    // uWS reuses `message` after we return: text is decoded (copied) now, binary copied.
    const frame: string | Uint8Array = isBinary ? new Uint8Array(message.slice(0)) : Buffer.from(message).toString('utf8');
    if (ud.backlog) {
      ud.backlog.push(frame);
      return;
    }
    if (ud.kind === 'refused') return;
    let packets: EioPacket[];
    try {
      const d = dialectOf(ud.generation);
      packets = d.decodeFrames ? d.decodeFrames(frame, () => this.#engine.metrics.error('decode')) : [d.decodeFrame(frame)];
    } catch {
      this.#engine.metrics.error('decode');
      if (ud.socket) ud.socket.closeWs('parse error');
      else ws.end(1002);
      return;
    }
    for (const packet of packets) {
      if (ud.kind === 'session') ud.socket?.receiveFrame(packet);
      else this.#onProbeFrame(ws, ud, packet);
    }
  }

  #onProbeFrame(ws: WebSocket<WsData>, ud: WsData, packet: EioPacket): void {
    const engine = this.#engine;
    if (packet.type === 'ping' && packet.data === 'probe') {
      ws.send('3probe', false);
      // End the pending long-poll (wherever it is) so the client can pause
      // polling and send the upgrade packet.
      const pushNoop = (): void => void engine.store.push(ud.sid, ['6']).catch((err) => engine.storeFailed(err, 'probe'));
      pushNoop();
      // The noop may reach the client before `3probe` does; it then polls
      // again and waits for that poll to end before upgrading. Like
      // engine.io, keep ending polls until the upgrade packet comes (polls
      // collapse repeated noops, so an idle queue gains nothing visible).
      if (!ud.noopTimer) {
        ud.noopTimer = setInterval(() => {
          if (ud.closed || ud.kind !== 'probe') return stopNoops(ud);
          pushNoop();
        }, 100);
      }
      ud.socket?.emit('upgrading');
      engine.sockets.get(ud.sid)?.emit('upgrading');
      return;
    }
    if (packet.type === 'upgrade') {
      stopNoops(ud);
      if (ud.upgradeTimer) clearTimeout(ud.upgradeTimer);
      ud.upgradeTimer = null;
      ud.kind = 'session';
      ud.backlog = [];
      void this.#completeUpgrade(ws, ud);
      return;
    }
    // Anything else during a probe fails the upgrade; polling goes on.
    engine.metrics.error('decode');
    ws.end(1002);
  }

  async #completeUpgrade(ws: WebSocket<WsData>, ud: WsData): Promise<void> {
    const engine = this.#engine;
    let r;
    try {
      r = await engine.store.completeUpgrade(ud.sid, 'websocket');
    } catch (err) {
      engine.storeFailed(err, 'upgrade');
      r = null;
    }
    if (!r) {
      ud.backlog = null;
      if (!ud.closed) ws.end(1011);
      return;
    }
    if (ud.closed) {
      // The websocket died while the upgrade was committed: the session now
      // belongs to a transport that is gone.
      await engine.closeSession(ud.sid, 'transport close');
      await engine.store.destroy(ud.sid).catch(() => {});
      return;
    }
    let socket = engine.sockets.get(ud.sid);
    // A session that was still settling is announced here for the first
    // time; one that lived on another worker is announced as resumed.
    const announce = r.fresh || !socket || r.previousOwner !== engine.workerId;
    if (announce) {
      engine.forgetSettling(ud.sid);
      socket = engine.adopt(ud.sid, ud.generation, 'websocket', parseHandshake(r.record.handshake), !r.fresh);
    }
    const s = socket!;
    ud.socket = s;
    ws.cork(() => s.attachWebSocket(ws, r.entries));
    if (announce) engine.announce(s);
    else s.emit('upgrade', 'websocket');
    if (r.inbox.length > 0) s.receiveEntries(r.inbox);
    const backlog = ud.backlog ?? [];
    ud.backlog = null;
    const d = dialectOf(ud.generation);
    for (const frame of backlog) {
      if (ud.closed) break;
      let packets: EioPacket[];
      try {
        packets = d.decodeFrames ? d.decodeFrames(frame, () => engine.metrics.error('decode')) : [d.decodeFrame(frame)];
      } catch {
        engine.metrics.error('decode');
        s.closeWs('parse error');
        break;
      }
      for (const packet of packets) s.receiveFrame(packet);
    }
  }

  #onClose(ws: WebSocket<WsData>): void {
    const engine = this.#engine;
    const ud = ws.getUserData();
    ud.closed = true;
    stopNoops(ud);
    if (ud.upgradeTimer) clearTimeout(ud.upgradeTimer);
    ud.upgradeTimer = null;
    if (ud.kind === 'refused') return;
    if (ud.kind === 'probe' || ud.kind === 'attach') {
      engine.store.abortUpgrade(ud.sid).catch((err) => engine.storeFailed(err, 'abortUpgrade'));
      return;
    }
    const socket = ud.socket;
    if (!socket) return; // upgrade still being committed; #completeUpgrade cleans up
    socket.webSocketClosed();
    if (socket.owned) engine.store.destroy(ud.sid).catch((err) => engine.storeFailed(err, 'destroy'));
    socket.onClose(ud.closeReason ?? 'transport close', ud.closeDescription);
  }
}

function stopNoops(ud: WsData): void {
  if (ud.noopTimer) clearInterval(ud.noopTimer);
  ud.noopTimer = null;
}
