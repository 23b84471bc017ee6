import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Host, RawResponse, Server, Socket } from '@nonstick/server';
import type { SocketIoApp } from '../worker.js';

/**
 * The chat demo: a page at `/` (inline HTML, CSS and JS, no build step) on
 * the Socket.IO API. Nicknames live in `socket.data`, rooms are Socket.IO
 * rooms, and member lists are computed cluster-wide with
 * `io.in(room).fetchSockets()`, so the same app runs on one worker or on many
 * behind a round-robin balancer.
 *
 * Events, client → server (every one answers through its ack with
 * `{ ok: true, ... }` or `{ ok: false, error }`):
 *   nick (name)           set or change the nickname
 *   join (room)           join a room (needs a nickname)
 *   leave (room)          leave a room
 *   message (room, text)  say something in a room you are in
 *   whoami ()             which worker serves this session, over which transport
 * Server → client:
 *   hello { worker }                       on every (re)connection or takeover
 *   message { room, from, text, at }       a room message
 *   system { room, text, at }              joins, leaves, renames
 *   members { room, members, asOf }        the room's member list; keep the newest asOf
 */

export const CHAT_LIMITS = {
  /** Longest message, in characters. */
  message: 500,
  /** Longest nickname, in characters. */
  nick: 24,
  /** Longest room name. */
  room: 32,
  /** Rooms one connection may be in at once. */
  rooms: 10,
} as const;

const NICK_RE = /^[\p{L}\p{N}][\p{L}\p{N} _.'-]*$/u;
const ROOM_RE = /^[a-z0-9][a-z0-9_-]*$/;
/** Socket.IO room names of chat rooms (so a chat room can never be someone's private socket-id room). */
const roomKey = (room: string) => `chat:${room}`;

interface ChatData {
  nick?: string;
}
interface Member {
  id: string;
  nick: string;
}
type Reply = { ok: true; [k: string]: unknown } | { ok: false; error: string };
type Ack = (reply: Reply) => void;

const charCount = (s: string) => [...s].length;

/** A trimmed, NFC-normalised nickname, or an error message. */
export function validateNick(raw: unknown): { nick: string } | { error: string } {
  if (typeof raw !== 'string') return { error: 'nickname must be a string' };
  const nick = raw.normalize('NFC').trim().replace(/\s+/g, ' ');
  if (nick === '') return { error: 'nickname is empty' };
  if (charCount(nick) > CHAT_LIMITS.nick) return { error: `nickname is longer than ${CHAT_LIMITS.nick} characters` };
  if (!NICK_RE.test(nick)) return { error: "nickname may contain letters, digits, spaces and _ . ' - (starting with a letter or digit)" };
  return { nick };
}

/** A lower-cased room name, or an error message. */
export function validateRoom(raw: unknown): { room: string } | { error: string } {
  if (typeof raw !== 'string') return { error: 'room name must be a string' };
  const room = raw.trim().toLowerCase();
  if (room === '') return { error: 'room name is empty' };
  if (room.length > CHAT_LIMITS.room) return { error: `room name is longer than ${CHAT_LIMITS.room} characters` };
  if (!ROOM_RE.test(room)) return { error: 'room names are a-z, 0-9, _ and - (starting with a letter or digit)' };
  return { room };
}

/** A trimmed message, or an error message. */
export function validateMessage(raw: unknown): { text: string } | { error: string } {
  if (typeof raw !== 'string') return { error: 'message must be a string' };
  const text = raw.trim();
  if (text === '') return { error: 'message is empty' };
  if (charCount(text) > CHAT_LIMITS.message) return { error: `message is longer than ${CHAT_LIMITS.message} characters` };
  return { text };
}

/** The browser bundle of socket.io-client (its package does not export the minified file, so go through package.json). */
function readClientBundle(): Buffer {
  const require = createRequire(import.meta.url);
  return readFileSync(join(dirname(require.resolve('socket.io-client/package.json')), 'dist', 'socket.io.min.js'));
}

function chatSetup(io: Server): void {
  const me = io.workerId;

  /** Computes the room's members on every worker and tells the room. */
  const publishMembers = async (room: string): Promise<void> => {
    // Taken before the fetch: a list fetched later reflects every change
    // finished before it started, so clients keep the list with the newest asOf.
    const asOf = Date.now();
    try {
      const sockets = await io.in(roomKey(room)).fetchSockets();
      const byId = new Map<string, Member>();
      for (const s of sockets) {
        const nick = (s.data as ChatData | undefined)?.nick;
        if (typeof nick === 'string') byId.set(s.id, { id: s.id, nick });
      }
      const members = [...byId.values()].sort((a, b) => a.nick.localeCompare(b.nick) || (a.id < b.id ? -1 : 1));
      io.to(roomKey(room)).emit('members', { room, members, asOf });
    } catch (err) {
      io.listenerError(err, 'chat members');
    }
  };
  const system = (room: string, text: string) => io.to(roomKey(room)).emit('system', { room, text, at: Date.now() });
  const chatRooms = (socket: Socket): string[] => [...socket.rooms].filter((r) => r.startsWith('chat:')).map((r) => r.slice('chat:'.length));

  io.on('connection', (socket: Socket) => {
    const data = (): ChatData => {
      if (typeof socket.data !== 'object' || socket.data === null) socket.data = {};
      return socket.data as ChatData;
    };
    // Also after a takeover (socket.recovered): the page shows which worker serves it.
    socket.emit('hello', { worker: me });

    /** Registers a handler whose last argument is an ack; a missing ack is tolerated, a throw answers an error. */
    const handle = (ev: string, fn: (args: unknown[]) => Reply | Promise<Reply>) => {
      socket.on(ev, (...args: unknown[]) => {
        const cb: Ack = typeof args[args.length - 1] === 'function' ? (args.pop() as Ack) : () => {};
        Promise.resolve()
          .then(() => fn(args))
          .then(cb, (err: unknown) => {
            io.listenerError(err, `chat ${ev}`);
            cb({ ok: false, error: 'internal error' });
          });
      });
    };

    handle('nick', ([raw]) => {
      const v = validateNick(raw);
      if ('error' in v) return { ok: false, error: v.error };
      const before = data().nick;
      data().nick = v.nick;
      if (before !== undefined && before !== v.nick) {
        for (const room of chatRooms(socket)) {
          system(room, `${before} is now known as ${v.nick}`);
          void publishMembers(room);
        }
      }
      return { ok: true, nick: v.nick, worker: me };
    });

    handle('join', ([raw]) => {
      const nick = data().nick;
      if (nick === undefined) return { ok: false, error: 'pick a nickname first' };
      const v = validateRoom(raw);
      if ('error' in v) return { ok: false, error: v.error };
      const joined = chatRooms(socket);
      if (joined.includes(v.room)) return { ok: true, room: v.room, worker: me };
      if (joined.length >= CHAT_LIMITS.rooms) return { ok: false, error: `at most ${CHAT_LIMITS.rooms} rooms at once` };
      socket.join(roomKey(v.room));
      system(v.room, `${nick} joined`);
      void publishMembers(v.room);
      return { ok: true, room: v.room, worker: me };
    });

    handle('leave', ([raw]) => {
      const v = validateRoom(raw);
      if ('error' in v) return { ok: false, error: v.error };
      if (!socket.rooms.has(roomKey(v.room))) return { ok: true, room: v.room };
      socket.leave(roomKey(v.room));
      system(v.room, `${data().nick ?? 'someone'} left`);
      void publishMembers(v.room);
      return { ok: true, room: v.room };
    });

    handle('message', ([rawRoom, rawText]) => {
      const nick = data().nick;
      if (nick === undefined) return { ok: false, error: 'pick a nickname first' };
      const r = validateRoom(rawRoom);
      if ('error' in r) return { ok: false, error: r.error };
      if (!socket.rooms.has(roomKey(r.room))) return { ok: false, error: `you are not in #${r.room}` };
      const m = validateMessage(rawText);
      if ('error' in m) return { ok: false, error: m.error };
      io.to(roomKey(r.room)).emit('message', { room: r.room, from: nick, text: m.text, at: Date.now() });
      return { ok: true };
    });

    handle('whoami', () => ({ ok: true, worker: me, id: socket.id, transport: socket.conn.transport.name }));

    let leaving: string[] = [];
    socket.on('disconnecting', () => {
      leaving = chatRooms(socket);
    });
    socket.on('disconnect', () => {
      const nick = data().nick ?? 'someone';
      for (const room of leaving) {
        system(room, `${nick} left`);
        void publishMembers(room);
      }
    });
  });
}

function pageHtml(enginePath: string): { html: string; csp: string } {
  const script = pageScript(enginePath);
  const sha = (s: string) => `'sha256-${createHash('sha256').update(s).digest('base64')}'`;
  const csp = [
    "default-src 'none'",
    `script-src 'self' ${sha(script)}`,
    `style-src ${sha(PAGE_CSS)}`,
    "connect-src 'self'",
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Nonstick chat</title>
<style>${PAGE_CSS}</style>
</head>
<body>
<header>
  <h1>Nonstick chat</h1>
  <dl class="status">
    <dt>connection</dt><dd id="state" data-state="connecting">connecting</dd>
    <dt>transport</dt><dd id="transport">-</dd>
    <dt>worker</dt><dd id="worker">-</dd>
  </dl>
</header>
<main>
  <section id="login">
    <form id="nick-form" autocomplete="off">
      <label for="nick">Nickname</label>
      <input id="nick" name="nick" required autofocus>
      <button type="submit">Enter</button>
      <p id="nick-error" class="error" role="alert"></p>
    </form>
  </section>
  <section id="chat" hidden>
    <aside class="rooms">
      <h2>Rooms</h2>
      <ul id="rooms"></ul>
      <form id="join-form" autocomplete="off">
        <input id="room" name="room" placeholder="room name" required>
        <button type="submit">Join</button>
        <p id="join-error" class="error" role="alert"></p>
      </form>
      <p class="me">You are <strong id="me"></strong></p>
    </aside>
    <div class="talk">
      <h2 id="current">-</h2>
      <ol id="messages" aria-live="polite"></ol>
      <form id="send-form" autocomplete="off">
        <input id="text" name="text" placeholder="Say something" required>
        <button type="submit">Send</button>
        <p id="send-error" class="error" role="alert"></p>
      </form>
    </div>
    <aside class="members">
      <h2>Members <span id="member-count"></span></h2>
      <ul id="members"></ul>
    </aside>
  </section>
</main>
<script src="/socket.io-client.js"></script>
<script>${script}</script>
</body>
</html>
`;
  return { html, csp };
}

const PAGE_CSS = `
:root { color-scheme: light dark; --fg: #1d232a; --bg: #f6f7f9; --panel: #fff; --muted: #6b7280; --accent: #2563eb; --line: #e2e5ea; --err: #b91c1c; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6e8eb; --bg: #14171b; --panel: #1c2026; --muted: #9aa3ad; --accent: #60a5fa; --line: #2c323a; --err: #f87171; } }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.4 system-ui, sans-serif; color: var(--fg); background: var(--bg); height: 100vh; display: flex; flex-direction: column; }
header { display: flex; align-items: center; justify-content: space-between; gap: 1rem; padding: .5rem 1rem; border-bottom: 1px solid var(--line); background: var(--panel); flex-wrap: wrap; }
h1 { font-size: 1.1rem; margin: 0; }
h2 { font-size: .95rem; margin: 0 0 .5rem; color: var(--muted); font-weight: 600; }
.status { display: grid; grid-template-columns: auto auto auto auto auto auto; gap: .25rem .5rem; margin: 0; font-size: .85rem; }
.status dt { color: var(--muted); }
.status dd { margin: 0 .75rem 0 0; font-family: ui-monospace, monospace; }
#state[data-state="connected"] { color: #16a34a; }
#state[data-state="disconnected"], #state[data-state="error"] { color: var(--err); }
#state[data-state="reconnecting"], #state[data-state="connecting"] { color: #d97706; }
main { flex: 1; min-height: 0; display: flex; }
#login { margin: auto; background: var(--panel); padding: 1.5rem; border: 1px solid var(--line); border-radius: 8px; }
#login label { display: block; margin-bottom: .5rem; font-weight: 600; }
#chat { flex: 1; min-height: 0; display: grid; grid-template-columns: 14rem 1fr 12rem; }
#chat[hidden] { display: none; }
aside, .talk { padding: .75rem; min-height: 0; }
aside { background: var(--panel); }
.rooms { border-right: 1px solid var(--line); }
.members { border-left: 1px solid var(--line); overflow-y: auto; }
.talk { display: flex; flex-direction: column; }
ul, ol { list-style: none; margin: 0; padding: 0; }
#rooms li { display: flex; align-items: center; justify-content: space-between; border-radius: 4px; }
#rooms li button.room { flex: 1; text-align: left; background: none; border: 0; color: inherit; padding: .3rem .4rem; cursor: pointer; font: inherit; }
#rooms li.current { background: var(--bg); font-weight: 600; }
#rooms li .unread { font-size: .75rem; background: var(--accent); color: #fff; border-radius: 1rem; padding: 0 .4rem; margin-right: .25rem; }
#rooms li button.leave { background: none; border: 0; color: var(--muted); cursor: pointer; }
#messages { flex: 1; overflow-y: auto; padding: .25rem 0; }
#messages li { padding: .15rem 0; overflow-wrap: anywhere; white-space: pre-wrap; }
#messages li .from { font-weight: 600; margin-right: .4rem; }
#messages li time { color: var(--muted); font-size: .75rem; margin-right: .4rem; }
#messages li.system { color: var(--muted); font-style: italic; }
#members li { padding: .15rem 0; overflow-wrap: anywhere; }
#members li.self { font-weight: 600; }
form { display: flex; gap: .4rem; flex-wrap: wrap; margin-top: .5rem; }
input { flex: 1; min-width: 0; padding: .4rem .5rem; border: 1px solid var(--line); border-radius: 4px; background: var(--bg); color: inherit; font: inherit; }
button { padding: .4rem .75rem; border: 1px solid var(--accent); background: var(--accent); color: #fff; border-radius: 4px; cursor: pointer; font: inherit; }
.error { color: var(--err); flex-basis: 100%; margin: 0; font-size: .85rem; min-height: 1em; }
.me { color: var(--muted); font-size: .85rem; margin-top: 1rem; }
@media (max-width: 700px) { #chat { grid-template-columns: 1fr; } .members, .rooms { border: 0; } }
`;

function pageScript(enginePath: string): string {
  // JSON is valid JS; escaping '<' keeps a path from closing the script element.
  const path = JSON.stringify(enginePath).replace(/</g, '\\u003c');
  return `
"use strict";
(() => {
  const $ = (id) => document.getElementById(id);
  const params = new URLSearchParams(location.search);
  const firstRoom = (params.get("room") || "lobby").toLowerCase();
  const rooms = new Map(); // name -> { messages: [], members: [], asOf: -1, unread: 0 }
  let current = null;
  let nick = null;

  const socket = io({ path: ${path}, transports: ["polling", "websocket"] });

  // ---- connection status ---------------------------------------------------
  const setState = (state, detail) => {
    const el = $("state");
    el.dataset.state = state;
    el.textContent = detail ? state + " (" + detail + ")" : state;
  };
  // The worker that owns the session (runs its handlers). data-transport says
  // over which transport the latest whoami that confirmed it was sent.
  const setWorker = (worker, via) => {
    const el = $("worker");
    if (via) el.dataset.transport = via;
    else if (el.dataset.worker !== worker) delete el.dataset.transport;
    el.textContent = worker;
    el.dataset.worker = worker;
  };
  const transportName = () => (socket.io.engine && socket.io.engine.transport ? socket.io.engine.transport.name : "-");
  const showTransport = () => { $("transport").textContent = socket.connected ? transportName() : "-"; };
  let whoSeq = 0;
  const whoami = () => {
    const seq = ++whoSeq;
    const via = transportName();
    socket.timeout(5000).emit("whoami", (err, res) => {
      if (!err && res && res.ok && seq === whoSeq) setWorker(res.worker, via);
    });
  };

  socket.on("connect", () => {
    setState("connected");
    showTransport();
    const engine = socket.io.engine;
    if (!engine.__chatHooked) {
      engine.__chatHooked = true;
      // After an upgrade the session may be served by the worker that took the WebSocket.
      engine.on("upgrade", () => { showTransport(); whoami(); });
    }
    if (nick !== null) restore();
  });
  socket.on("disconnect", (reason) => { setState("disconnected", reason); showTransport(); });
  socket.on("connect_error", (err) => setState("error", err.message));
  socket.io.on("reconnect_attempt", (n) => setState("reconnecting", "attempt " + n));
  // Sent on every connection, also by a worker taking the session over.
  socket.on("hello", (m) => { setWorker(m.worker); whoami(); });

  // A fresh session after a reconnect knows nothing of us: say who we are and rejoin.
  const restore = () => {
    socket.emit("nick", nick, (res) => {
      if (!res.ok) return;
      for (const name of rooms.keys()) socket.emit("join", name, () => {});
    });
  };

  // ---- nickname ------------------------------------------------------------
  $("nick-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const wanted = $("nick").value;
    $("nick-error").textContent = "";
    socket.timeout(5000).emit("nick", wanted, (err, res) => {
      if (err) return void ($("nick-error").textContent = "no answer from the server");
      if (!res.ok) return void ($("nick-error").textContent = res.error);
      const first = nick === null;
      nick = res.nick;
      $("me").textContent = nick;
      if (first) {
        $("login").hidden = true;
        $("chat").hidden = false;
        join(firstRoom, (error) => ($("join-error").textContent = error));
      }
    });
  });

  // ---- rooms ---------------------------------------------------------------
  const roomState = (name) => {
    let r = rooms.get(name);
    if (!r) rooms.set(name, (r = { messages: [], members: [], asOf: -1, unread: 0 }));
    return r;
  };
  const join = (name, onError) => {
    // Ready before the server answers: its "joined" line and member list may come first.
    const key = name.trim().toLowerCase();
    const existed = rooms.has(key);
    roomState(key);
    const fail = (error) => {
      if (!existed) rooms.delete(key);
      if (onError) onError(error);
    };
    socket.timeout(5000).emit("join", name, (err, res) => {
      if (err) return fail("no answer from the server");
      if (!res.ok) return fail(res.error);
      roomState(res.room);
      select(res.room);
    });
  };
  const leave = (name) => {
    socket.timeout(5000).emit("leave", name, () => {
      rooms.delete(name);
      if (current === name) current = rooms.keys().next().value ?? null;
      render();
    });
  };
  const select = (name) => {
    current = name;
    roomState(name).unread = 0;
    render();
    $("text").focus();
  };
  $("join-form").addEventListener("submit", (e) => {
    e.preventDefault();
    $("join-error").textContent = "";
    join($("room").value, (error) => ($("join-error").textContent = error));
    $("room").value = "";
  });

  // ---- messages ------------------------------------------------------------
  const MAX_KEPT = 200;
  const addLine = (room, line) => {
    const r = rooms.get(room);
    if (!r) return;
    r.messages.push(line);
    if (r.messages.length > MAX_KEPT) r.messages.splice(0, r.messages.length - MAX_KEPT);
    if (room === current) appendMessage(line);
    else { r.unread++; renderRooms(); }
  };
  socket.on("message", (m) => addLine(m.room, { kind: "message", from: m.from, text: m.text, at: m.at }));
  socket.on("system", (m) => addLine(m.room, { kind: "system", text: m.text, at: m.at }));
  socket.on("members", (m) => {
    const r = rooms.get(m.room);
    if (!r || m.asOf < r.asOf) return; // an older list overtaken by a newer one
    r.asOf = m.asOf;
    r.members = m.members;
    if (m.room === current) renderMembers();
  });

  $("send-form").addEventListener("submit", (e) => {
    e.preventDefault();
    if (current === null) return;
    const input = $("text");
    $("send-error").textContent = "";
    socket.timeout(5000).emit("message", current, input.value, (err, res) => {
      if (err) return void ($("send-error").textContent = "no answer from the server");
      if (!res.ok) return void ($("send-error").textContent = res.error);
      input.value = "";
    });
  });

  // ---- rendering: user text only ever goes through textContent ------------
  const el = (tag, cls, text) => {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  };
  const appendMessage = (line) => {
    const list = $("messages");
    const stick = list.scrollTop + list.clientHeight >= list.scrollHeight - 4;
    const li = el("li", line.kind);
    const t = el("time", "", new Date(line.at).toLocaleTimeString());
    t.dateTime = new Date(line.at).toISOString();
    li.append(t);
    if (line.kind === "message") li.append(el("span", "from", line.from), el("span", "text", line.text));
    else li.append(el("span", "text", line.text));
    list.append(li);
    while (list.children.length > MAX_KEPT) list.firstElementChild.remove();
    if (stick) list.scrollTop = list.scrollHeight;
  };
  const renderRooms = () => {
    const list = $("rooms");
    list.replaceChildren();
    for (const [name, r] of rooms) {
      const li = el("li", name === current ? "current" : "");
      li.dataset.room = name;
      const b = el("button", "room", "#" + name);
      b.type = "button";
      b.addEventListener("click", () => select(name));
      li.append(b);
      if (r.unread > 0) li.append(el("span", "unread", String(r.unread)));
      const x = el("button", "leave", "\\u00d7");
      x.type = "button";
      x.title = "Leave #" + name;
      x.setAttribute("aria-label", "Leave " + name);
      x.addEventListener("click", () => leave(name));
      li.append(x);
      list.append(li);
    }
  };
  const renderMembers = () => {
    const list = $("members");
    list.replaceChildren();
    const r = current === null ? null : rooms.get(current);
    const members = r ? r.members : [];
    for (const m of members) {
      const li = el("li", m.id === socket.id ? "self" : "", m.nick);
      li.dataset.id = m.id;
      list.append(li);
    }
    $("member-count").textContent = r ? "(" + members.length + ")" : "";
  };
  const render = () => {
    renderRooms();
    $("current").textContent = current === null ? "no room: join one" : "#" + current;
    $("messages").replaceChildren();
    const r = current === null ? null : rooms.get(current);
    if (r) for (const line of r.messages) appendMessage(line);
    renderMembers();
  };
})();
`;
}

function answer(res: RawResponse, status: number, headers: Record<string, string>, body: string | Buffer): void {
  res.send(status, Object.entries(headers), body, false);
}

/** The chat demo app for `startWorker`. Reads the client bundle now, once. */
export function chatApp(): SocketIoApp {
  const clientJs = readClientBundle();
  let page: { html: string; csp: string } | null = null;
  return {
    kind: 'socket.io',
    setup(io: Server) {
      page = pageHtml(io.path());
      chatSetup(io);
    },
    routes(host: Host) {
      const p = page ?? pageHtml('/socket.io');
      host.route('/', (res) =>
        answer(
          res,
          200,
          {
            'Content-Type': 'text/html; charset=utf-8',
            'Cache-Control': 'no-cache',
            'Content-Security-Policy': p.csp,
            'X-Content-Type-Options': 'nosniff',
            'Referrer-Policy': 'no-referrer',
          },
          p.html,
        ),
      );
      host.route('/socket.io-client.js', (res) =>
        answer(
          res,
          200,
          { 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'public, max-age=3600', 'X-Content-Type-Options': 'nosniff' },
          clientJs,
        ),
      );
      host.route('/favicon.ico', (res) => answer(res, 204, {}, ''));
    },
  };
}
