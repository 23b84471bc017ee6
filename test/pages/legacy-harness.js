/*
 * Test harness for the real socket.io-client 0.9.16 (window.io), driven by
 * Playwright through page.evaluate. Plain browser JS, no build.
 *
 * Every event that a client namespace emits locally (connect, disconnect,
 * message, error, connect_failed, server events, ...) is recorded per
 * namespace by wrapping io.SocketNamespace.prototype.$emit, the method the
 * client itself uses for all of them (SocketNamespace#onPacket and
 * Socket#publish). Functions in event arguments (ack callbacks) are
 * recorded as the string "[Function]".
 *
 * Sockets are numbered: H.open() returns an id; namespaces are addressed by
 * (id, name) with '' for the main one.
 */
(function () {
  'use strict';
  var H = (window.H = { sockets: {}, nextId: 1, problems: [], heartbeats: 0, acks: [] });

  window.addEventListener('error', function (e) {
    H.problems.push('error: ' + (e && e.message));
  });

  function plain(v) {
    return JSON.parse(
      JSON.stringify(v, function (_k, x) {
        return typeof x === 'function' ? '[Function]' : x === undefined ? null : x;
      }) || 'null',
    );
  }

  var NS = io.SocketNamespace.prototype;
  var orig$emit = NS.$emit;
  NS.$emit = function (name) {
    var args = Array.prototype.slice.call(arguments, 1);
    if (!this.__log) this.__log = [];
    this.__log.push({ name: name, args: plain(args), t: Date.now() });
    return orig$emit.apply(this, arguments);
  };

  // Heartbeats the client received (it answers each with `2::`).
  var origHeartbeat = io.Transport.prototype.onHeartbeat;
  io.Transport.prototype.onHeartbeat = function () {
    H.heartbeats++;
    return origHeartbeat.apply(this, arguments);
  };

  function entry(id) {
    var e = H.sockets[id];
    if (!e) throw new Error('no socket ' + id);
    return e;
  }
  function nsp(id, name) {
    var e = entry(id);
    var n = e.nsps[name || ''];
    if (!n) throw new Error('socket ' + id + ' has no namespace "' + name + '"');
    return n;
  }
  function log(n) {
    return n.__log || (n.__log = []);
  }
  function sleep(ms) {
    return new Promise(function (r) {
      setTimeout(r, ms);
    });
  }

  /**
   * Connects the main namespace. opts: url (server base, e.g. http://127.0.0.1:1234),
   * transport (forced: io.transports = [transport], see SPEC-NOTES §10),
   * query ('a=b'), forceNew, hasCORS (false = old-IE path: JSONP handshake
   * when cross-origin), options (extra io.connect options).
   * The client's `reconnect` defaults to false here.
   */
  H.open = function (opts) {
    if (opts.transport) io.transports = [opts.transport];
    if (opts.hasCORS !== undefined) io.util.ua.hasCORS = opts.hasCORS;
    var details = { reconnect: false, 'connect timeout': 10000 };
    if (opts.forceNew) details['force new connection'] = true;
    var extra = opts.options || {};
    for (var k in extra) details[k] = extra[k];
    var url = opts.url + (opts.query ? '?' + opts.query : '');
    var main = io.connect(url, details);
    if (!main.__log) main.__log = [];
    var id = H.nextId++;
    H.sockets[id] = { id: id, url: opts.url, cached: !opts.forceNew, nsps: { '': main } };
    return id;
  };

  /** Another namespace on the same session: io.connect(url + name) (the client's cache) or socket.of(name). */
  H.of = function (id, name) {
    var e = entry(id);
    var n = e.cached ? io.connect(e.url + name) : e.nsps[''].socket.of(name);
    if (n.socket !== e.nsps[''].socket) throw new Error('namespace ' + name + ' got its own socket');
    if (!n.__log) n.__log = [];
    e.nsps[name] = n;
    return name;
  };

  H.info = function (id) {
    var s = entry(id).nsps[''].socket;
    return {
      sessionid: s.sessionid || null,
      transport: s.transport ? s.transport.name : null,
      connected: !!s.connected,
      open: !!s.open,
      xdomain: s.isXDomain(),
      transports: s.transports || null,
      heartbeatTimeout: s.heartbeatTimeout,
      closeTimeout: s.closeTimeout,
    };
  };

  /** Every event recorded on a namespace (optionally only from index `since`). */
  H.events = function (id, name, since) {
    return log(nsp(id, name)).slice(since || 0);
  };

  /**
   * Waits until the namespace recorded `count` events named `event` (from
   * index `since`); resolves with them. Rejects on timeout with what it saw.
   */
  H.waitFor = function (id, name, event, count, timeoutMs, since) {
    var n = nsp(id, name);
    var want = count || 1;
    var end = Date.now() + (timeoutMs || 8000);
    return new Promise(function (resolve, reject) {
      (function check() {
        var got = log(n).slice(since || 0).filter(function (e) {
          return e.name === event;
        });
        if (got.length >= want) return resolve(got.slice(0, want));
        if (Date.now() > end) {
          return reject(
            new Error('timed out waiting for ' + want + ' "' + event + '" on "' + name + '"; saw ' + JSON.stringify(log(n).slice(since || 0)).slice(0, 2000)),
          );
        }
        setTimeout(check, 15);
      })();
    });
  };

  /** The first of several events (e.g. connect / connect_failed / error); resolves with it. */
  H.waitAny = function (id, name, events, timeoutMs, since) {
    var n = nsp(id, name);
    var end = Date.now() + (timeoutMs || 8000);
    return new Promise(function (resolve, reject) {
      (function check() {
        var got = log(n).slice(since || 0).filter(function (e) {
          return events.indexOf(e.name) !== -1;
        });
        if (got.length) return resolve(got[0]);
        if (Date.now() > end) {
          return reject(new Error('timed out waiting for one of ' + events.join(', ') + ' on "' + name + '"; saw ' + JSON.stringify(log(n).slice(since || 0)).slice(0, 2000)));
        }
        setTimeout(check, 15);
      })();
    });
  };

  /** emit(event, ...args, ack): resolves with the ack's arguments. */
  H.emitAck = function (id, name, event, args, timeoutMs) {
    var n = nsp(id, name);
    return new Promise(function (resolve, reject) {
      var timer = setTimeout(function () {
        reject(new Error('no ack for ' + event + ' on "' + name + '" within ' + (timeoutMs || 8000) + ' ms'));
      }, timeoutMs || 8000);
      n.emit.apply(
        n,
        [event].concat(args, [
          function () {
            clearTimeout(timer);
            resolve(plain(Array.prototype.slice.call(arguments)));
          },
        ]),
      );
    });
  };

  /** emit(event, ...args) without an ack. */
  H.emit = function (id, name, event, args) {
    var n = nsp(id, name);
    n.emit.apply(n, [event].concat(args));
    return true;
  };

  /**
   * Emits every entry of `list` (an array of argument arrays) synchronously,
   * each with an ack; resolves with the acks in the order they arrived:
   * [{ index, args }].
   */
  H.burst = function (id, name, event, list, timeoutMs) {
    var n = nsp(id, name);
    var order = [];
    return new Promise(function (resolve, reject) {
      var timer = setTimeout(function () {
        reject(new Error('burst: only ' + order.length + ' of ' + list.length + ' acks within ' + (timeoutMs || 8000) + ' ms: ' + JSON.stringify(order).slice(0, 2000)));
      }, timeoutMs || 8000);
      list.forEach(function (args, index) {
        n.emit.apply(
          n,
          [event].concat(args, [
            function () {
              order.push({ index: index, args: plain(Array.prototype.slice.call(arguments)) });
              if (order.length === list.length) {
                clearTimeout(timer);
                resolve(order);
              }
            },
          ]),
        );
      });
    });
  };

  /**
   * socket.send(data[, fn]) / socket.json.send(data[, fn]). With ack: resolves
   * with the callback's arguments once it is called; without: at once.
   */
  H.send = function (id, name, data, json, withAck, timeoutMs) {
    var n = nsp(id, name);
    var target = json ? n.json : n;
    if (!withAck) {
      target.send(data);
      return Promise.resolve(null);
    }
    return new Promise(function (resolve, reject) {
      var timer = setTimeout(function () {
        reject(new Error('send callback not called within ' + (timeoutMs || 8000) + ' ms'));
      }, timeoutMs || 8000);
      target.send(data, function () {
        clearTimeout(timer);
        resolve(plain(Array.prototype.slice.call(arguments)));
      });
    });
  };

  /** Answers every server event `event` that asks for an ack with `value`. */
  H.answer = function (id, name, event, value) {
    nsp(id, name).on(event, function () {
      var fn = arguments[arguments.length - 1];
      if (typeof fn === 'function') fn(value);
    });
    return true;
  };

  /** namespace.disconnect() (the main one disconnects the whole socket). */
  H.disconnect = function (id, name) {
    nsp(id, name).disconnect();
    return true;
  };

  H.sleep = sleep;
})();
