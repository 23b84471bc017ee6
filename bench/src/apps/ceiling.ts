/**
 * The ceiling: a raw uWebSockets.js app that answers the bench scenarios
 * with string surgery, no Engine.IO or Socket.IO library. It speaks just
 * enough of the wire protocol for the bench's own client (websocket and
 * polling, main namespace, `echo` / `join` / `broadcast`, server pings)
 * and skips everything a real server must do (validation, heartbeat
 * timeouts, upgrades, binary, namespaces, middlewares, recovery). Its cost
 * is the machine's physical limit for these scenarios: what uWS itself
 * costs per frame, request and publish.
 */
import uWS from 'uWebSockets.js';
import { randomBytes } from 'node:crypto';
import { announce, flag, serverControl } from './app.js';

const argv = process.argv.slice(2);
const port = Number(flag(argv, 'port') ?? 0);
const host = flag(argv, 'host') ?? '127.0.0.1';
const PING_INTERVAL = 25_000;

const prefix = randomBytes(6).toString('base64url');
let counter = 0;
const newSid = () => `${prefix}${(counter++).toString(36).padStart(6, '0')}`;
const openPacket = (sid: string) => `0{"sid":"${sid}","upgrades":[],"pingInterval":${PING_INTERVAL},"pingTimeout":20000,"maxPayload":1000000}`;

interface Session {
  sid: string;
  /** A websocket session: frames go straight out. */
  ws: uWS.WebSocket<WsData> | null;
  /** A polling session: queued packets and the parked long-poll, if any. */
  queue: string[];
  res: uWS.HttpResponse | null;
  rooms: string[];
}
interface WsData {
  s: Session;
}

const sessions = new Map<string, Session>();
/** Polling members per room (websocket members are uWS topic subscribers). */
const pollRooms = new Map<string, Set<Session>>();

function write(s: Session, packet: string): void {
  if (s.ws) {
    s.ws.send(packet, false);
    return;
  }
  s.queue.push(packet);
  flush(s);
}

function flush(s: Session): void {
  const res = s.res;
  if (!res || s.queue.length === 0) return;
  s.res = null;
  const body = s.queue.length === 1 ? s.queue[0]! : s.queue.join('\x1e');
  s.queue = [];
  res.cork(() => {
    res.writeStatus('200 OK').writeHeader('Content-Type', 'text/plain; charset=UTF-8').end(body);
  });
}

function publish(room: string, packet: string): void {
  app.publish(room, packet, false);
  const members = pollRooms.get(room);
  if (members) for (const s of members) write(s, packet);
}

function join(s: Session, room: string): void {
  if (s.ws) s.ws.subscribe(room);
  else {
    let set = pollRooms.get(room);
    if (!set) pollRooms.set(room, (set = new Set()));
    set.add(s);
  }
  s.rooms.push(room);
}

function drop(s: Session): void {
  sessions.delete(s.sid);
  for (const room of s.rooms) pollRooms.get(room)?.delete(s);
  s.rooms = [];
}

/** One Engine.IO packet from the client. */
function onPacket(s: Session, p: string): void {
  const c = p.charCodeAt(0);
  if (c === 51 /* 3 pong */) return;
  if (c !== 52 /* 4 message */) {
    if (c === 49 /* 1 close */) close(s);
    return;
  }
  const t = p.charCodeAt(1);
  if (t === 50 /* 2 event */) {
    const b = p.indexOf('[', 2);
    if (b === -1) return;
    const id = p.slice(2, b);
    if (p.startsWith('"echo"', b + 1)) {
      // 42<id>["echo",a,b] → 43<id>[a,b]
      write(s, p.charCodeAt(b + 7) === 44 ? `43${id}[${p.slice(b + 8)}` : `43${id}[]`);
    } else if (p.startsWith('"join","', b + 1)) {
      join(s, p.slice(b + 9, p.lastIndexOf('"')));
      if (id) write(s, `43${id}[]`);
    } else if (p.startsWith('"broadcast","', b + 1)) {
      // 42["broadcast","room",payload] → 42["bcast",payload] to the room
      const end = p.indexOf('"', b + 14);
      publish(p.slice(b + 14, end), `42["bcast",${p.slice(end + 2)}`);
    }
  } else if (t === 48 /* 0 connect */) {
    write(s, `40{"sid":"${s.sid}"}`);
  } else if (t === 49 /* 1 disconnect */) {
    close(s);
  }
}

function close(s: Session): void {
  drop(s);
  if (s.ws) s.ws.end(1000);
  else if (s.res) {
    const res = s.res;
    s.res = null;
    res.cork(() => res.writeStatus('200 OK').end('1'));
  }
}

const app = uWS.App();

app.ws<WsData>('/socket.io/', {
  compression: uWS.DISABLED,
  maxPayloadLength: 1_000_000,
  idleTimeout: 0,
  sendPingsAutomatically: false,
  upgrade: (res, req, context) => {
    const s: Session = { sid: newSid(), ws: null, queue: [], res: null, rooms: [] };
    res.upgrade<WsData>({ s }, req.getHeader('sec-websocket-key'), req.getHeader('sec-websocket-protocol'), req.getHeader('sec-websocket-extensions'), context);
  },
  open: (ws) => {
    const s = ws.getUserData().s;
    s.ws = ws;
    sessions.set(s.sid, s);
    ws.send(openPacket(s.sid), false);
  },
  message: (ws, message) => onPacket(ws.getUserData().s, Buffer.from(message).toString('utf8')),
  close: (ws) => {
    const s = ws.getUserData().s;
    s.ws = null;
    drop(s);
  },
});

function badRequest(res: uWS.HttpResponse, message: string): void {
  res.cork(() =>
    res
      .writeStatus('400 Bad Request')
      .writeHeader('Content-Type', 'application/json')
      .end(JSON.stringify({ code: 1, message })),
  );
}

app.get('/socket.io/', (res, req) => {
  const sid = req.getQuery('sid');
  if (!sid) {
    const s: Session = { sid: newSid(), ws: null, queue: [], res: null, rooms: [] };
    sessions.set(s.sid, s);
    res.cork(() => res.writeStatus('200 OK').writeHeader('Content-Type', 'text/plain; charset=UTF-8').end(openPacket(s.sid)));
    return;
  }
  const s = sessions.get(sid);
  if (!s || s.ws) return badRequest(res, 'Session ID unknown');
  if (s.res) return badRequest(res, 'overlapping GET');
  res.onAborted(() => {
    if (s.res === res) s.res = null;
  });
  s.res = res;
  flush(s);
});

app.post('/socket.io/', (res, req) => {
  const s = sessions.get(req.getQuery('sid') ?? '');
  if (!s || s.ws) return badRequest(res, 'Session ID unknown');
  let aborted = false;
  res.onAborted(() => (aborted = true));
  const chunks: Buffer[] = [];
  res.onData((chunk, isLast) => {
    chunks.push(Buffer.from(chunk.slice(0)));
    if (!isLast) return;
    const body = Buffer.concat(chunks).toString('utf8');
    for (const p of body.split('\x1e')) onPacket(s, p);
    if (!aborted) res.cork(() => res.writeStatus('200 OK').writeHeader('Content-Type', 'text/html').end('ok'));
  });
});

// Server pings, as Engine.IO 4 sends them (no timeout is enforced here).
setInterval(() => {
  for (const s of sessions.values()) write(s, '2');
}, PING_INTERVAL).unref();

app.listen(host, port, (token) => {
  if (!token) {
    process.stderr.write(`ceiling: cannot listen on ${host}:${port}\n`);
    process.exit(1);
  }
  serverControl(() => uWS.us_listen_socket_close(token));
  announce(uWS.us_socket_local_port(token), { server: 'ceiling' });
});
