/*
 * Stand-in for Flash + web-socket-js, so that the real Socket.IO 0.6.3
 * Flashsocket transport runs in Chromium over the native WebSocket.
 *
 * What the 0.6.3 transport needs (socket.io.js, Flashsocket):
 *   check(): `'__addTask' in WebSocket`, the bundle's global swfobject and
 *     swfobject.hasFlashPlayerVersion("10.0.0");
 *   connect()/send(): WebSocket.__addTask(fn), fn running the websocket
 *     transport's own code: `new WebSocket('ws://H:P/socket.io/flashsocket')`.
 * (Unlike 0.9 it loads no policy file and never calls __initialize itself:
 * web-socket-js initialised on window load and ran queued tasks once the
 * movie had loaded.) Here tasks queue until the page's load event plus one
 * turn of the event loop ("the movie loaded"), then run at once.
 *
 * swfobject reads the Flash version from
 * navigator.plugins['Shockwave Flash'].description when the client script
 * loads, so this file goes BEFORE the client and fakes that plugin entry.
 * The bundled web-socket-js polyfill then does nothing (it bails out when
 * window.WebSocket exists). window.FlashShim records calls. As with real
 * Flash, the page can still use the native websocket transport too
 * (0.6.3's WS.check() only asks for a native send()).
 */
(function () {
  'use strict';
  var Native = window.WebSocket;
  var log = (window.FlashShim = { urls: [], tasks: 0, ready: false, sockets: 0 });

  function FlashWebSocket(url, protocols) {
    log.urls.push(String(url));
    log.sockets++;
    return protocols === undefined ? new Native(url) : new Native(url, protocols);
  }
  FlashWebSocket.prototype = Native.prototype;
  FlashWebSocket.CONNECTING = Native.CONNECTING;
  FlashWebSocket.OPEN = Native.OPEN;
  FlashWebSocket.CLOSING = Native.CLOSING;
  FlashWebSocket.CLOSED = Native.CLOSED;
  FlashWebSocket.__tasks = [];
  FlashWebSocket.__addTask = function (task) {
    log.tasks++;
    if (log.ready) task();
    else FlashWebSocket.__tasks.push(task);
  };
  FlashWebSocket.__initialize = function () {
    setTimeout(function () {
      log.ready = true;
      var tasks = FlashWebSocket.__tasks.splice(0);
      for (var i = 0; i < tasks.length; i++) tasks[i]();
    }, 0);
  };
  window.addEventListener('load', FlashWebSocket.__initialize, false);
  window.WebSocket = FlashWebSocket;

  // "Flash Player 10.3 r183 is installed", as swfobject 2.2 parses it.
  var realPlugins = navigator.plugins;
  var flash = { name: 'Shockwave Flash', description: 'Shockwave Flash 10.3 r183', filename: 'libflashplayer.so', length: 0 };
  var plugins = Object.create(realPlugins);
  plugins['Shockwave Flash'] = flash;
  Object.defineProperty(navigator, 'plugins', { configurable: true, get: function () { return plugins; } });
})();
