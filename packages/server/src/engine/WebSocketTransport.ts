import type { EioPacket } from '@nonstick/protocol';
import type { WsConnection, WsUpgrade } from '../host/Host.js';
import type { Exchange } from '../http/Exchange.js';
import type { RequestInfo } from '../http/RequestInfo.js';
import { dialectOf } from './dialects.js';
import { dialect } from './eio.js';
import { transportInfo, type WsData } from './EngineSocket.js';
import { EngineErrorCode, errorStatus } from './errors.js';
import { checkAllowRequest, openPacketData, parseHandshake, protocolOf, verifyRequest, type HandshakeRecord, type Rejection } from './handshake.js';
import type { EngineServices } from './services.js';
import { generateId, isValidSid } from './sid.js';
import { acceptUpgrade, wsData } from './ws-upgrade.js';

/**
 * The websocket transport: a handshake straight over websocket, or the probe
 * that upgrades a polling session. A websocket always lives on its session's
 * owner: completing an upgrade moves ownership here in the same store step,
 * so frames of an established websocket never touch the store.
 */
export class WebSocketTransport {
  readonly #engine: EngineServices;

  constructor(engine: EngineServices) {
    this.#engine = engine;
  }

  /** An Engine.IO websocket request (a handshake, or a probe with `sid`). */
  async upgrade(ex: Exchange, info: RequestInfo, upgrade: WsUpgrade<WsData>): Promise<void> {
    const engine = this.#engine;
    const o = engine.options;
    const rejection = verifyRequest(o, info, true);
    if (rejection) return this.#refuse(ex, info, rejection);
    const sid = info.query['sid'];
    if (sid !== undefined) {
      if (!isValidSid(sid)) return this.#refuse(ex, info, { code: EngineErrorCode.UNKNOWN_SID, context: { sid } });
      if (!o.allowUpgrades) return this.#refuse(ex, info, { code: EngineErrorCode.BAD_REQUEST, context: { name: 'UPGRADES_DISABLED' } });
      const r = await engine.store.beginUpgrade(sid);
      if (r.kind === 'unknown') return this.#refuse(ex, info, { code: EngineErrorCode.UNKNOWN_SID, context: { sid } });
      if (r.kind !== 'ok') {
        // engine.io accepts a websocket for a session already upgraded (or upgrading) and closes it at once.
        await acceptUpgrade(ex, upgrade, wsData(sid, 'refused', info.query['EIO'] === '3' ? 'eio3' : 'eio4', false, info));
        return;
      }
      const hs = parseHandshake(r.record.handshake);
      if (!(await acceptUpgrade(ex, upgrade, wsData(sid, 'probe', r.record.generation, hs.supportsBinary, hs.request)))) {
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
    const ud = wsData(newSid, 'session', protocol === 4 ? 'eio4' : 'eio3', hs.supportsBinary, info);
    ud.handshake = hs;
    // The host adds these to the 101, as engine.io does.
    ex.headers = [...ex.headers, ...engine.handshakeHeaders(newSid)];
    if (!(await acceptUpgrade(ex, upgrade, ud))) await engine.store.destroy(newSid);
  }

  /** engine.io refuses a websocket with a plain-text HTTP error carrying the message. */
  #refuse(ex: Exchange, info: RequestInfo, r: Rejection): void {
    const message = this.#engine.rejected(info, r);
    ex.respond(errorStatus(r.code), 'text/html', message, undefined, true);
  }

  /** The accepted websocket is open. */
  open(ws: WsConnection<WsData>): void {
    const engine = this.#engine;
    const ud = ws.data;
    if (ud.kind === 'refused') {
      // A legacy client learns why in its own protocol before the close; an Engine.IO one just sees the close.
      if (ud.firstFrame === null) return ws.end();
      ws.send(ud.firstFrame, false);
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

  /** A complete inbound message (a copy the host made). */
  message(ws: WsConnection<WsData>, frame: string | Uint8Array): void {
    const ud = ws.data;
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

  #onProbeFrame(ws: WsConnection<WsData>, ud: WsData, packet: EioPacket): void {
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
      const probing = transportInfo('websocket');
      ud.socket?.emit('upgrading', probing);
      engine.sockets.get(ud.sid)?.emit('upgrading', probing);
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

  async #completeUpgrade(ws: WsConnection<WsData>, ud: WsData): Promise<void> {
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
      engine.settler.forgetSettling(ud.sid);
      socket = engine.adopt(ud.sid, ud.generation, 'websocket', parseHandshake(r.record.handshake), !r.fresh);
    }
    const s = socket!;
    ud.socket = s;
    ws.cork(() => s.attachWebSocket(ws, r.entries));
    if (announce) engine.announce(s);
    else s.emit('upgrade', s.transport);
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

  /** The websocket closed, by either side (`code`: the close frame's, 1005 without one, 1006 without a close frame). */
  close(ws: WsConnection<WsData>, code: number): void {
    const engine = this.#engine;
    const ud = ws.data;
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
    const reason = ud.closeReason ?? 'transport close';
    // Why the transport closed, when nothing on this side closed it.
    const description = ud.closeReason === null ? `websocket closed with code ${code}` : ud.closeDescription;
    if (!socket.owned) return socket.onClose(reason, description);
    // The app hears of the close once the store has forgotten the session (as
    // with closeSession): a request for it after the app's `disconnect`, on
    // any worker, then finds it unknown rather than a websocket session.
    engine.store
      .destroy(ud.sid)
      .catch((err) => engine.storeFailed(err, 'destroy'))
      .finally(() => socket.onClose(reason, description));
  }
}

function stopNoops(ud: WsData): void {
  if (ud.noopTimer) clearInterval(ud.noopTimer);
  ud.noopTimer = null;
}
