import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { routeOf, SIO06_TRANSPORTS } from '../../src/engine/routes.js';

const BASE = '/socket.io';

describe('routeOf', () => {
  it('Engine.IO asks at the path itself, with or without the trailing slash', () => {
    assert.deepEqual(routeOf(BASE, '/socket.io'), { kind: 'eio' });
    assert.deepEqual(routeOf(BASE, '/socket.io/'), { kind: 'eio' });
  });

  it('a path outside the base is left to Engine.IO (the caller filtered it already)', () => {
    assert.deepEqual(routeOf(BASE, '/other/1/'), { kind: 'eio' });
  });

  it('protocol 1: revision, transport and session id, each optional from the right', () => {
    assert.deepEqual(routeOf(BASE, '/socket.io/1/'), { kind: 'legacy', revision: '1', transport: '', sid: '' });
    assert.deepEqual(routeOf(BASE, '/socket.io/1'), { kind: 'legacy', revision: '1', transport: '', sid: '' });
    assert.deepEqual(routeOf(BASE, '/socket.io/1/xhr-polling'), { kind: 'legacy', revision: '1', transport: 'xhr-polling', sid: '' });
    assert.deepEqual(routeOf(BASE, '/socket.io/1/xhr-polling/abc'), { kind: 'legacy', revision: '1', transport: 'xhr-polling', sid: 'abc' });
    assert.deepEqual(routeOf(BASE, '/socket.io/1/websocket/abc/'), { kind: 'legacy', revision: '1', transport: 'websocket', sid: 'abc' });
  });

  it('a revision other than 1 is still a legacy route (the handler refuses it)', () => {
    assert.deepEqual(routeOf(BASE, '/socket.io/2/'), { kind: 'legacy', revision: '2', transport: '', sid: '' });
  });

  it('anything else under the base is none of ours', () => {
    for (const p of ['/socket.io/abc', '/socket.io/1x/', '/socket.io/1/a/b/c/d', '/socket.io//', '/socket.io/ 1/']) {
      assert.deepEqual(routeOf(BASE, p), { kind: 'none' }, p);
    }
  });

  it('Socket.IO 0.6: the transport first, then the session id and whatever follows', () => {
    assert.deepEqual(routeOf(BASE, '/socket.io/websocket'), { kind: 'sio06', transport: 'websocket', sid: '', rest: [] });
    assert.deepEqual(routeOf(BASE, '/socket.io/xhr-polling//1234'), { kind: 'sio06', transport: 'xhr-polling', sid: '', rest: ['1234'] });
    assert.deepEqual(routeOf(BASE, '/socket.io/xhr-polling/sid1/1234/send'), { kind: 'sio06', transport: 'xhr-polling', sid: 'sid1', rest: ['1234', 'send'] });
    assert.deepEqual(routeOf(BASE, '/socket.io/jsonp-polling/sid1/1234/7'), { kind: 'sio06', transport: 'jsonp-polling', sid: 'sid1', rest: ['1234', '7'] });
  });

  it('knows exactly the six transports of 0.6', () => {
    assert.deepEqual([...SIO06_TRANSPORTS].sort(), ['flashsocket', 'htmlfile', 'jsonp-polling', 'websocket', 'xhr-multipart', 'xhr-polling']);
    for (const t of SIO06_TRANSPORTS) assert.equal(routeOf(BASE, `/socket.io/${t}/s`).kind, 'sio06', t);
  });

  it('works under a custom base path', () => {
    assert.deepEqual(routeOf('/rt', '/rt/1/htmlfile/x'), { kind: 'legacy', revision: '1', transport: 'htmlfile', sid: 'x' });
    assert.deepEqual(routeOf('/rt', '/rt/htmlfile/x'), { kind: 'sio06', transport: 'htmlfile', sid: 'x', rest: [] });
  });
});
