import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveCookie, serializeCookie } from '../../src/http/cookie.js';

describe('handshake cookie', () => {
  it('no cookie unless asked for', () => {
    assert.equal(resolveCookie(undefined), null);
    assert.equal(resolveCookie(false), null);
  });

  it("cookie: true takes engine.io's defaults; an object overrides them one by one", () => {
    assert.deepEqual(resolveCookie(true), { name: 'io', path: '/', httpOnly: true, sameSite: 'lax' });
    assert.deepEqual(resolveCookie({ name: 'sid', httpOnly: false }), { name: 'sid', path: '/', httpOnly: false, sameSite: 'lax' });
  });

  it('serializes the defaults as engine.io does', () => {
    assert.equal(serializeCookie('abc', resolveCookie(true)!), 'io=abc; Path=/; HttpOnly; SameSite=Lax');
  });

  it('writes every attribute in the cookie package order', () => {
    const expires = new Date(Date.UTC(2030, 0, 2, 3, 4, 5));
    const s = serializeCookie('v', { name: 'n', maxAge: 60.9, domain: 'example.com', path: '/x', expires, httpOnly: true, secure: true, sameSite: 'none' });
    assert.equal(s, 'n=v; Max-Age=60; Domain=example.com; Path=/x; Expires=Wed, 02 Jan 2030 03:04:05 GMT; HttpOnly; Secure; SameSite=None');
  });

  it('sameSite true is Strict; path false leaves Path out', () => {
    assert.equal(serializeCookie('v', { name: 'n', path: false, sameSite: true }), 'n=v; SameSite=Strict');
    assert.equal(serializeCookie('v', { name: 'n', sameSite: 'strict' }), 'n=v; SameSite=Strict');
  });

  it('percent-encodes the value', () => {
    assert.equal(serializeCookie('a b;c', { name: 'n' }), 'n=a%20b%3Bc');
  });

  it('refuses a name that is not a token', () => {
    for (const name of ['', 'a b', 'a;b', 'a,b', 'a"b', 'a\\b', 'é']) assert.throws(() => serializeCookie('v', { name }), TypeError, JSON.stringify(name));
  });
});
