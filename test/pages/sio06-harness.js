/*
 * Test harness for the real Socket.IO 0.6.3 browser client (window.io, the
 * socket.io.js bundled in socket.io@0.6.18), driven by Playwright through
 * page.evaluate. Plain browser JS, no build.
 *
 * Every event an io.Socket emits locally (connecting, connect, message,
 * disconnect, reconnecting, reconnect, reconnect_failed, connect_failed,
 * error) is recorded per socket by wrapping the instance's emit(), the
 * method the client itself uses for all of them. Heartbeats are counted by
 * wrapping onHeartbeat on every transport prototype (io.util.inherit copies
 * methods, so io.Transport.prototype alone would not do).
 *
 * Sockets are numbered: H6.open() returns an id.
 */
(function () {
  'use strict';
  var H6 = (window.H6 = { sockets: {}, nextId: 1, problems: [], heartbeats: [] });

  window.addEventListener('error', function (e) {
    H6.problems.push('error: ' + (e && e.message));
  });

  function plain(v) {
    return JSON.parse(
      JSON.stringify(v, function (_k, x) {
        return typeof x === 'function' ? '[Function]' : x === undefined ? null : x;
      }) || 'null',
    );
  }

  // Heartbeats the client received (it echoes each one with `~h~<n>`).
  Object.keys(io.Transport).forEach(function (name) {
    var T = io.Transport[name];
    if (!T || !T.prototype || typeof T.prototype.onHeartbeat !== 'function') return;
    var orig = T.prototype.onHeartbeat;
    T.prototype.onHeartbeat = function (n) {
      H6.heartbeats.push({ socket: this.base && this.base.__h6id, type: this.type, n: String(n), t: Date.now() });
      return orig.apply(this, arguments);
    };
  });

  function entry(id) {
    var e = H6.sockets[id];
    if (!e) throw new Error('no socket ' + id);
    return e;
  }

  /**
   * Creates `new io.Socket(host, options)` and connects it. opts: host, port,
   * transport (forced: options.transports = [transport]), options (extra
   * io.Socket options). Defaults here: rememberTransport false, reconnect
   * false, connectTimeout 10 s, tryTransportsOnConnectTimeout false.
   */
  H6.open = function (opts) {
    var options = {
      port: opts.port,
      transports: [opts.transport],
      rememberTransport: false,
      reconnect: false,
      connectTimeout: 10000,
      tryTransportsOnConnectTimeout: false,
    };
    var extra = opts.options || {};
    for (var k in extra) options[k] = extra[k];
    var socket = new io.Socket(opts.host, options);
    if (!socket.transport) throw new Error('the 0.6 client found no usable transport among ' + JSON.stringify(options.transports));
    var id = H6.nextId++;
    var log = [];
    socket.__h6id = id;
    var origEmit = socket.emit;
    socket.emit = function (name, args) {
      log.push({ name: name, args: plain(args === undefined ? [] : Array.prototype.slice.call(args)), t: Date.now() });
      return origEmit.apply(this, arguments);
    };
    H6.sockets[id] = { id: id, socket: socket, log: log, sids: [] };
    socket.on('connect', function () {
      H6.sockets[id].sids.push(socket.transport && socket.transport.sessionid);
    });
    socket.connect();
    return id;
  };

  H6.info = function (id) {
    var e = entry(id);
    var s = e.socket;
    var t = s.transport;
    return {
      type: t ? t.type : null,
      /** true iff the transport object was made by io.Transport[type] itself. */
      ctorMatches: !!(t && io.Transport[t.type] && t instanceof io.Transport[t.type]),
      sessionid: (t && t.sessionid) || null,
      connected: !!s.connected,
      connecting: !!s.connecting,
      transportConnected: !!(t && t.connected),
      xdomain: s.isXDomain(),
      sids: e.sids.slice(),
      jsonpIndex: t && typeof t.index === 'number' ? t.index : null,
      formAction: t && t.form ? t.form.action : null,
    };
  };

  /** Every event recorded on a socket (optionally only from index `since`). */
  H6.events = function (id, since) {
    return entry(id).log.slice(since || 0);
  };

  /** Resolves with the first `count` events named `event` (from index `since`); rejects on timeout with what it saw. */
  H6.waitFor = function (id, event, count, timeoutMs, since) {
    var log = entry(id).log;
    var want = count || 1;
    var end = Date.now() + (timeoutMs || 8000);
    return new Promise(function (resolve, reject) {
      (function check() {
        var got = log.slice(since || 0).filter(function (e) {
          return e.name === event;
        });
        if (got.length >= want) return resolve(got.slice(0, want));
        if (Date.now() > end) {
          return reject(new Error('timed out waiting for ' + want + ' "' + event + '" (got ' + got.length + '); saw ' + JSON.stringify(log.slice(since || 0)).slice(0, 2500)));
        }
        setTimeout(check, 15);
      })();
    });
  };

  /** The first of several events (e.g. connect / connect_failed / disconnect); resolves with it. */
  H6.waitAny = function (id, events, timeoutMs, since) {
    var log = entry(id).log;
    var end = Date.now() + (timeoutMs || 8000);
    return new Promise(function (resolve, reject) {
      (function check() {
        var got = log.slice(since || 0).filter(function (e) {
          return events.indexOf(e.name) !== -1;
        });
        if (got.length) return resolve(got[0]);
        if (Date.now() > end) {
          return reject(new Error('timed out waiting for one of ' + events.join(', ') + '; saw ' + JSON.stringify(log.slice(since || 0)).slice(0, 2500)));
        }
        setTimeout(check, 15);
      })();
    });
  };

  /** socket.send(data) for each entry of `list`, all in this one turn of the event loop. */
  H6.send = function (id, list) {
    var s = entry(id).socket;
    for (var i = 0; i < list.length; i++) s.send(list[i]);
    return list.length;
  };

  /** socket.disconnect() (which also turns the client's reconnect off). */
  H6.disconnect = function (id) {
    entry(id).socket.disconnect();
    return true;
  };

  /**
   * socket.disconnect() once no POST is in flight. 0.6's XHR transports
   * abort a POST in flight on disconnect without clearing their `posting`
   * flag, so that io.Socket could never send again after connect() (a client
   * bug: a heartbeat echo in flight at the wrong moment is enough). Checked
   * and done in one task, so no POST starts in between.
   */
  H6.disconnectIdle = function (id, timeoutMs) {
    var s = entry(id).socket;
    var end = Date.now() + (timeoutMs || 5000);
    return new Promise(function (resolve, reject) {
      (function check() {
        if (!(s.transport && s.transport.posting)) {
          s.disconnect();
          return resolve(true);
        }
        if (Date.now() > end) return reject(new Error('a POST stayed in flight for ' + (timeoutMs || 5000) + ' ms'));
        setTimeout(check, 5);
      })();
    });
  };

  /** socket.connect() again on the same io.Socket. */
  H6.connect = function (id) {
    entry(id).socket.connect();
    return true;
  };

  H6.heartbeatsOf = function (id) {
    return H6.heartbeats.filter(function (h) {
      return h.socket === id;
    });
  };
})();
