import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseQuery } from '../../src/http/query.js';

describe('parseQuery', () => {
  it('an empty query is an empty null-prototype record', () => {
    const q = parseQuery('');
    assert.deepEqual(Object.keys(q), []);
    assert.equal(Object.getPrototypeOf(q), null);
  });

  it('reads key=value pairs, a bare key as an empty value', () => {
    assert.deepEqual({ ...parseQuery('EIO=4&transport=polling&t=abc&b64') }, { EIO: '4', transport: 'polling', t: 'abc', b64: '' });
  });

  it('the first value of a repeated key wins', () => {
    assert.equal(parseQuery('sid=a&sid=b')['sid'], 'a');
  });

  it('decodes percent escapes and + as space, in keys and values', () => {
    assert.deepEqual({ ...parseQuery('a%20b=c+d&e=%E2%9C%93') }, { 'a b': 'c d', e: '✓' });
  });

  it('keeps a malformed escape verbatim instead of throwing', () => {
    assert.equal(parseQuery('x=%E2%9C&y=100%')['x'], '%E2%9C');
    assert.equal(parseQuery('x=%E2%9C&y=100%')['y'], '100%');
  });

  it('skips empty segments and splits at the first =', () => {
    assert.deepEqual({ ...parseQuery('&&a=1&&b=x=y&') }, { a: '1', b: 'x=y' });
    assert.deepEqual({ ...parseQuery('=v') }, { '': 'v' });
  });

  it('keys like __proto__ are plain entries, never the prototype', () => {
    const q = parseQuery('__proto__=x&constructor=y');
    assert.equal(q['__proto__'], 'x');
    assert.equal(q['constructor'], 'y');
    assert.equal(Object.getPrototypeOf(q), null);
  });
});
