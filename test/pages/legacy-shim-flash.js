/*
 * Stand-in for Flash + web-socket-js, so that the real socket.io-client
 * 0.9.16 Flashsocket transport runs in Chromium over the native WebSocket.
 *
 * What the transport needs (dist/socket.io.js):
 *   Flashsocket.check(): `'__initialize' in WebSocket`, the bundle's
 *     swfobject and `swfobject.getFlashPlayerVersion().major >= 10`;
 *   Flashsocket.prototype.ready(): WebSocket.loadFlashPolicyFile('xmlsocket://host:<flash policy port>')
 *     (unless the port is 843) and WebSocket.__initialize();
 *   open()/send(): WebSocket.__addTask(fn), close(): WebSocket.__tasks.length = 0;
 *   then the websocket transport's own code: `new WebSocket(url)` with
 *   url = ws://host:port/socket.io/1/flashsocket/<sid>.
 * As with the real web-socket-js, tasks queue until __initialize() has
 * "loaded the movie" (here: the next turn of the event loop).
 *
 * swfobject is private to the bundle and reads the Flash version from
 * navigator.plugins['Shockwave Flash'].description when it loads, so this
 * file goes BEFORE the client script and fakes that plugin entry. The
 * bundled web-socket-js polyfill then does nothing (it bails out when
 * window.WebSocket exists). window.FlashShim records calls.
 * Side effect, as with real Flash: WS.check() is false (`'__addTask' in
 * WebSocket`), so this page can only use flashsocket among the socket
 * transports.
 */
(function () {
  'use strict';
  var Native = window.WebSocket;
  var log = (window.FlashShim = { urls: [], policyFiles: [], initialize: 0, tasks: 0, ready: false });

  function FlashWebSocket(url, protocols) {
    log.urls.push(String(url));
    return protocols === undefined ? new Native(url) : new Native(url, protocols);
  }
  FlashWebSocket.prototype = Native.prototype;
  FlashWebSocket.CONNECTING = Native.CONNECTING;
  FlashWebSocket.OPEN = Native.OPEN;
  FlashWebSocket.CLOSING = Native.CLOSING;
  FlashWebSocket.CLOSED = Native.CLOSED;
  FlashWebSocket.__tasks = [];
  FlashWebSocket.__initialize = function () {
    log.initialize++;
    setTimeout(function () {
      log.ready = true;
      var tasks = FlashWebSocket.__tasks.splice(0);
      for (var i = 0; i < tasks.length; i++) tasks[i]();
    }, 0);
  };
  FlashWebSocket.__addTask = function (task) {
    log.tasks++;
    if (log.ready) task();
    else FlashWebSocket.__tasks.push(task);
  };
  FlashWebSocket.loadFlashPolicyFile = function (url) {
    log.policyFiles.push(String(url));
  };
  window.WebSocket = FlashWebSocket;

  // "Flash Player 10.3 r183 is installed", as swfobject 2.2 parses it.
  var realPlugins = navigator.plugins;
  var flash = { name: 'Shockwave Flash', description: 'Shockwave Flash 10.3 r183', filename: 'libflashplayer.so', length: 0 };
  var plugins = Object.create(realPlugins);
  plugins['Shockwave Flash'] = flash;
  Object.defineProperty(navigator, 'plugins', { configurable: true, get: function () { return plugins; } });
})();
