import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigError, loadConfig } from 'nonstick';
import { makeTempDir } from '../support/index.js';

describe('worker configuration: config file, environment, flags', () => {
  const dir = makeTempDir('config');
  after(() => dir.remove());
  const file = (name: string, body: unknown): string => {
    const p = join(dir.path, name);
    writeFileSync(p, typeof body === 'string' ? body : JSON.stringify(body));
    return p;
  };

  it('reads a JSON file keyed by flag names; env overrides it and flags override both', () => {
    const f = file('ok.json', {
      port: 4100,
      'redis-url': 'redis://file:6379',
      transports: ['websocket'],
      'allow-eio3': true,
      recovery: 30000,
      'ping-interval': 1000,
    });
    const fromFile = loadConfig(['--config', f], {});
    assert.equal(fromFile.port, 4100);
    assert.equal(fromFile.redisUrl, 'redis://file:6379');
    assert.deepEqual(fromFile.engine.transports, ['websocket']);
    assert.equal(fromFile.engine.allowEIO3, true);
    assert.deepEqual(fromFile.io.connectionStateRecovery, { maxDisconnectionDuration: 30000 });
    const withEnv = loadConfig([], { NONSTICK_CONFIG: f, PORT: '4200' });
    assert.equal(withEnv.port, 4200, 'env over file');
    assert.equal(withEnv.engine.pingInterval, 1000, 'file kept where env is silent');
    const withFlag = loadConfig([`--config=${f}`, '--port', '4300'], { PORT: '4200' });
    assert.equal(withFlag.port, 4300, 'flag over env over file');
  });

  it('trust-proxy is off unless the flag or NONSTICK_TRUST_PROXY turns it on', () => {
    assert.equal(loadConfig([], {}).io.trustProxy, undefined);
    assert.equal(loadConfig(['--trust-proxy'], {}).io.trustProxy, true);
    assert.equal(loadConfig([], { NONSTICK_TRUST_PROXY: 'true' }).io.trustProxy, true);
    assert.equal(loadConfig(['--no-trust-proxy'], { NONSTICK_TRUST_PROXY: 'true' }).io.trustProxy, false);
  });

  it('cors-origin: a list of exact origins and /regular expressions/; * alone allows any; a bad pattern is a config error', () => {
    const origin = (v: string) => loadConfig(['--cors-origin', v], {}).engine.cors?.origin;
    assert.equal(origin('*'), '*');
    const list = origin(String.raw`/^http:\/\/a\.test(:\d+)?$/i,https://b.test`) as Array<string | RegExp>;
    assert.equal(list.length, 2);
    assert.ok(list[0] instanceof RegExp && list[0].test('HTTP://a.test:8080') && !list[0].test('http://a.test.evil'));
    assert.equal(list[1], 'https://b.test');
    assert.throws(
      () => origin('/(/'),
      (err: unknown) => err instanceof ConfigError && /--cors-origin: \/\(\/ is not a valid regular expression/.test(err.message),
    );
  });

  it('refuses unknown keys, wrong types, bad JSON and a missing file with a clear error', () => {
    assert.throws(
      () => loadConfig(['--config', file('unknown.json', { prot: 1 })], {}),
      (e: Error) => e instanceof ConfigError && /unknown setting "prot"/.test(e.message),
    );
    assert.throws(() => loadConfig(['--config', file('type.json', { port: 'x' })], {}), /port: expected a non-negative integer/);
    assert.throws(() => loadConfig(['--config', file('obj.json', { transports: [1] })], {}), /expected a list of strings/);
    assert.throws(() => loadConfig(['--config', file('bad.json', '{nope')], {}), /config file .*bad\.json/);
    assert.throws(() => loadConfig(['--config', file('arr.json', [1])], {}), /expected a JSON object/);
    assert.throws(() => loadConfig(['--config', join(dir.path, 'missing.json')], {}), /config file .*missing\.json/);
    assert.throws(() => loadConfig(['--config'], {}), /--config needs a file/);
  });
});
