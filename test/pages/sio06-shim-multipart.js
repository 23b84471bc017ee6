/*
 * Stand-in for Firefox's multipart XMLHttpRequest (`req.multipart = true`,
 * Firefox <= 21), so that the real Socket.IO 0.6.3 XHRMultipart transport
 * runs in Chromium.
 *
 * The transport does (socket.io.js):
 *   check(): 'multipart' in XMLHttpRequest.prototype;
 *   get():   xhr = new XMLHttpRequest(); xhr.multipart = true;
 *            xhr.open('GET', 'http://H:P/socket.io/xhr-multipart/');
 *            xhr.onreadystatechange = function () { if (xhr.readyState == 4) onData(xhr.responseText); };
 *            xhr.send(null);
 * Firefox delivered a `multipart/x-mixed-replace` answer part by part: for
 * every part, readyState 4 with responseText = that part's body.
 *
 * Here `multipart` is an accessor on the native XMLHttpRequest.prototype;
 * setting it to true on an instance gives that one instance own
 * `onreadystatechange` / `readyState` / `responseText` properties (which
 * shadow the native ones), reads the native response as it streams in
 * (readystatechange and progress events, plus a 20 ms poll because
 * Chromium throttles progress events), splits it at the boundary of the
 * Content-Type header and calls the transport's handler once per complete
 * part with readyState 4 and responseText = the part's body (headers and
 * the line break before the next boundary removed). Every other XHR (the
 * transport's POSTs) stays entirely native.
 *
 * window.MultipartShim records what happened: requests (URLs) and the
 * delivered parts.
 */
(function () {
  'use strict';
  var log = (window.MultipartShim = { requests: [], parts: [], ended: 0, errors: [] });
  var proto = XMLHttpRequest.prototype;
  var nativeText = Object.getOwnPropertyDescriptor(proto, 'responseText').get;
  var nativeState = Object.getOwnPropertyDescriptor(proto, 'readyState').get;
  var nativeOpen = proto.open;

  function enable(xhr) {
    var handler = null;
    var fakeState = 0;
    var current = '';
    var consumed = 0; // chars of the native responseText already split into parts
    var started = false; // the opening boundary was seen
    var boundary = null;
    var timer = null;
    var done = false;

    Object.defineProperty(xhr, 'onreadystatechange', {
      configurable: true,
      get: function () {
        return handler;
      },
      set: function (fn) {
        handler = fn;
      },
    });
    Object.defineProperty(xhr, 'readyState', {
      configurable: true,
      get: function () {
        return fakeState;
      },
    });
    Object.defineProperty(xhr, 'responseText', {
      configurable: true,
      get: function () {
        return current;
      },
    });
    var nativeAbort = xhr.abort;
    xhr.abort = function () {
      stop();
      return nativeAbort.call(xhr);
    };
    xhr.open = function (method, url) {
      log.requests.push(String(url));
      fakeState = 1;
      return nativeOpen.apply(xhr, arguments);
    };

    function fire() {
      if (typeof handler === 'function') {
        try {
          handler.call(xhr);
        } catch (err) {
          log.errors.push(String(err && err.message));
          throw err;
        }
      }
    }
    function stop() {
      done = true;
      if (timer) clearInterval(timer);
      timer = null;
    }
    function scan() {
      if (done) return;
      var state = nativeState.call(xhr);
      if (state >= 2 && boundary === null) {
        var ct = xhr.getResponseHeader('Content-Type') || '';
        var m = /boundary="?([^";]+)"?/i.exec(ct);
        boundary = m ? m[1] : '';
      }
      if (state >= 3 && boundary) {
        var text = nativeText.call(xhr) || '';
        var delim = '--' + boundary;
        for (;;) {
          if (!started) {
            var first = text.indexOf(delim, consumed);
            if (first === -1) break;
            var eol = text.indexOf('\n', first);
            if (eol === -1) break;
            consumed = eol + 1;
            started = true;
            continue;
          }
          var next = text.indexOf('\n' + delim, consumed);
          if (next === -1) break;
          var part = text.slice(consumed, next);
          var after = text.indexOf('\n', next + 1 + delim.length);
          if (after === -1) break; // wait for the line end after the boundary
          consumed = after + 1;
          // Part headers end at the first empty line.
          var sep = part.indexOf('\n\n');
          var crlf = part.indexOf('\r\n\r\n');
          var body = crlf !== -1 && (sep === -1 || crlf < sep) ? part.slice(crlf + 4) : sep !== -1 ? part.slice(sep + 2) : part;
          log.parts.push(body);
          current = body;
          fakeState = 4;
          fire();
          if (done) return;
          fakeState = 3;
        }
      }
      if (state === 4) {
        log.ended++;
        stop();
      }
    }
    xhr.addEventListener('readystatechange', scan);
    xhr.addEventListener('progress', scan);
    xhr.addEventListener('loadend', scan);
    var nativeSend = xhr.send;
    xhr.send = function () {
      timer = setInterval(scan, 20);
      return nativeSend.apply(xhr, arguments);
    };
  }

  Object.defineProperty(proto, 'multipart', {
    configurable: true,
    get: function () {
      return !!this.__multipart;
    },
    set: function (v) {
      if (v && !this.__multipart) {
        this.__multipart = true;
        enable(this);
      }
    },
  });
})();
