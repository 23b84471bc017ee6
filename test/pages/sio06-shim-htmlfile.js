/*
 * Stand-ins for IE's `new ActiveXObject('htmlfile')`, `window.attachEvent`
 * and `CollectGarbage()`, so that the real Socket.IO 0.6.3 HTMLFile
 * transport runs in Chromium.
 *
 * The transport does (socket.io.js, HTMLFile.prototype):
 *   check(): 'ActiveXObject' in window && new ActiveXObject('htmlfile') && XHR.check();
 *   get():  this.open(); window.attachEvent('onunload', destroy);
 *   open(): doc = new ActiveXObject('htmlfile'); doc.open(); doc.write('<html></html>');
 *           doc.parentWindow.s = transport; doc.close();
 *           doc.body.appendChild(div = doc.createElement('div'));
 *           div.appendChild(iframe = doc.createElement('iframe'));
 *           iframe.src = 'http://H:P/socket.io/htmlfile//<ts>';
 *   _(data, doc): onData(data); removes doc's first <script>;
 *   destroy(): iframe.src = 'about:blank'; CollectGarbage();
 * and the server's stream calls `parent.s._("<payload>", document)` from
 * inside that iframe. Here the htmlfile document is a hidden same-origin
 * about:blank iframe of the page: `parentWindow` is its window (the stream
 * iframe's `parent`), `body`/`createElement` are its document's; open /
 * write / close are no-ops (about:blank already has a body). The frame is
 * made lazily, so check()'s probe object costs nothing.
 *
 * attachEvent('on<x>', fn) maps to addEventListener('<x>', fn). Load this
 * AFTER the client: the client's io.util.load() and the bundled swfobject
 * take IE code paths when they see attachEvent/ActiveXObject at load time.
 * window.HtmlfileShim records what happened.
 */
(function () {
  'use strict';
  var log = (window.HtmlfileShim = { probes: 0, documents: 0, opened: [], names: [], attached: [], collected: 0 });

  function HtmlfileDocument() {
    this._frame = null;
  }
  HtmlfileDocument.prototype._ensure = function () {
    if (!this._frame) {
      var frame = document.createElement('iframe');
      frame.style.display = 'none';
      frame.setAttribute('data-htmlfile-shim', String(++log.documents));
      document.body.appendChild(frame);
      this._frame = frame;
    }
    return this._frame;
  };
  HtmlfileDocument.prototype.open = function () {};
  HtmlfileDocument.prototype.write = function () {};
  HtmlfileDocument.prototype.close = function () {};
  HtmlfileDocument.prototype.createElement = function (tag) {
    var el = this._ensure().contentDocument.createElement(tag);
    if (String(tag).toLowerCase() === 'iframe') {
      // Record the URLs the transport points the stream iframe at.
      var desc = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(el), 'src');
      Object.defineProperty(el, 'src', {
        configurable: true,
        get: function () {
          return desc.get.call(el);
        },
        set: function (v) {
          log.opened.push(String(v));
          desc.set.call(el, v);
        },
      });
    }
    return el;
  };
  Object.defineProperty(HtmlfileDocument.prototype, 'parentWindow', {
    get: function () {
      return this._ensure().contentWindow;
    },
  });
  Object.defineProperty(HtmlfileDocument.prototype, 'body', {
    get: function () {
      return this._ensure().contentDocument.body;
    },
  });

  window.ActiveXObject = function ActiveXObject(name) {
    log.names.push(String(name));
    if (name !== 'htmlfile') throw new Error('ActiveXObject shim: ' + name + ' is not available');
    log.probes++;
    return new HtmlfileDocument();
  };
  window.attachEvent = function (type, fn) {
    log.attached.push(String(type));
    window.addEventListener(String(type).replace(/^on/, ''), fn, false);
    return true;
  };
  window.CollectGarbage = function () {
    log.collected++;
  };
})();
