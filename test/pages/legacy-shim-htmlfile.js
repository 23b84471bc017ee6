/*
 * Stand-in for IE's `new ActiveXObject('htmlfile')`, so that the real
 * socket.io-client 0.9.16 HTMLFile transport runs in Chromium.
 *
 * The transport does (dist/socket.io.js, HTMLFile.prototype.get):
 *   doc = new ActiveXObject('htmlfile'); doc.open(); doc.write('<html></html>'); doc.close();
 *   doc.parentWindow.s = transport;
 *   doc.body.appendChild(div = doc.createElement('div'));
 *   div.appendChild(iframe = doc.createElement('iframe'));
 *   iframe.src = '/socket.io/1/htmlfile/<sid>?t=...';
 * and the server's stream calls `parent.s._(msg, document)` from inside that
 * iframe. Here the htmlfile document is a hidden same-origin about:blank
 * iframe of the page: `parentWindow` is its window (the stream iframe's
 * `parent`), `body`/`createElement` are its document's. open/write/close are
 * no-ops (the about:blank document already has a body). The frame is made
 * lazily, so HTMLFile.check()'s probe object costs nothing.
 *
 * Must be loaded after the client; window.HtmlfileShim records what happened.
 */
(function () {
  'use strict';
  var log = (window.HtmlfileShim = { probes: 0, documents: 0, opened: [], names: [] });

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
      // Record the stream URL the transport points the iframe at.
      var desc = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(el), 'src');
      Object.defineProperty(el, 'src', {
        configurable: true,
        get: function () { return desc.get.call(el); },
        set: function (v) {
          log.opened.push(String(v));
          desc.set.call(el, v);
        },
      });
    }
    return el;
  };
  Object.defineProperty(HtmlfileDocument.prototype, 'parentWindow', {
    get: function () { return this._ensure().contentWindow; },
  });
  Object.defineProperty(HtmlfileDocument.prototype, 'body', {
    get: function () { return this._ensure().contentDocument.body; },
  });

  window.ActiveXObject = function ActiveXObject(name) {
    log.names.push(String(name));
    if (name !== 'htmlfile') throw new Error('ActiveXObject shim: ' + name + ' is not available');
    log.probes++;
    return new HtmlfileDocument();
  };
  // HTMLFile.prototype.destroy calls IE's CollectGarbage().
  window.CollectGarbage = function () {};
})();
