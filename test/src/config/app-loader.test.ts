/**
 * `--app FILE` in process: which export shapes of an ES or CommonJS module
 * give `setup` and `options`, how a bad module is refused (naming the file),
 * and `--app` against `--demo` in the configuration.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { Server } from '@nonstick/server';
import { AppError, ConfigError, loadApp, loadConfig } from 'nonstick';
import { makeTempDir } from '../support/index.js';

/** What setup was called with, and on what: enough of a Server for these apps. */
function fakeIo(): Server & { calls: string[] } {
  return { calls: [] } as unknown as Server & { calls: string[] };
}

describe('--app: loading the user module', () => {
  const dir = makeTempDir('app-loader');
  after(() => dir.remove());
  let n = 0;
  /** A module file with a fresh name (ESM caches by URL). */
  const mod = (ext: string, body: string): string => {
    const p = join(dir.path, `app${n++}${ext}`);
    writeFileSync(p, body);
    return p;
  };

  const shapes: Array<[string, string, string]> = [
    ['ESM named setup and options', '.mjs', `export const options = { pingInterval: 1 }; export async function setup(io) { io.calls.push('named'); }`],
    [
      'ESM default function, named options',
      '.mjs',
      `export const options = { pingInterval: 1 }; export default function (io) { io.calls.push('default fn'); }`,
    ],
    [
      'ESM default object',
      '.mjs',
      `export default { options: { pingInterval: 1 }, setup(io) { io.calls.push('default object ' + (this === undefined ? 'unbound' : 'bound')); } };`,
    ],
    ['CommonJS module.exports object', '.cjs', `module.exports = { setup(io) { io.calls.push('cjs object'); }, options: { pingInterval: 1 } };`],
    ['CommonJS module.exports function', '.cjs', `module.exports = function (io) { io.calls.push('cjs fn'); }; module.exports.options = { pingInterval: 1 };`],
    ['CommonJS exports.setup', '.cjs', `exports.setup = (io) => io.calls.push('cjs exports'); exports.options = { pingInterval: 1 };`],
  ];
  for (const [name, ext, body] of shapes) {
    it(`${name}: setup runs with io, options come along`, async () => {
      const app = await loadApp(mod(ext, body));
      assert.equal(app.kind, 'socket.io');
      assert.deepEqual(app.options, { pingInterval: 1 });
      const io = fakeIo();
      await app.setup(io);
      assert.equal(io.calls.length, 1);
      if (name === 'ESM default object') assert.equal(io.calls[0], 'default object bound', 'setup is called on its object');
    });
  }

  it('a .js file follows the nearest package.json (ESM here) and options are optional', async () => {
    const app = await loadApp(mod('.js', `export function setup(io) { io.calls.push('js'); }`));
    assert.equal(app.options, undefined);
    const io = fakeIo();
    await app.setup(io);
    assert.deepEqual(io.calls, ['js']);
  });

  it('a relative path is resolved against the current directory (cwd)', async () => {
    const file = mod('.mjs', `export function setup() {}`);
    const app = await loadApp(`./${file.slice(dir.path.length + 1)}`, dir.path);
    assert.equal(typeof app.setup, 'function');
  });

  const refused: Array<[string, () => string, RegExp]> = [
    ['a missing file', () => join(dir.path, 'missing.mjs'), /missing\.mjs: no such file/],
    [
      'a directory',
      () => {
        const d = join(dir.path, `dir${n++}.js`);
        mkdirSync(d);
        return d;
      },
      /dir\d+\.js: not a file/,
    ],
    ['another extension', () => mod('.ts', 'export function setup() {}'), /app\d+\.ts: expected a \.js, \.mjs or \.cjs file/],
    ['no setup export', () => mod('.mjs', 'export const options = {};'), /app\d+\.mjs: exports no setup function/],
    ['a setup that is no function', () => mod('.mjs', 'export const setup = 42;'), /app\d+\.mjs: its setup export is a number, not a function/],
    ['options that are no object', () => mod('.cjs', 'module.exports = { setup() {}, options: "fast" };'), /app\d+\.cjs: its options export must be an object/],
  ];
  for (const [name, file, message] of refused) {
    it(`refuses ${name} with a ConfigError naming the file`, async () => {
      await assert.rejects(loadApp(file()), (err: Error) => {
        assert.ok(err instanceof ConfigError, `${err.name}: ${err.message}`);
        assert.match(err.message, message);
        assert.match(err.message, /^--app /);
        return true;
      });
    });
  }

  it('a module that throws while loading, or a setup that rejects, is an AppError naming the file with the cause kept', async () => {
    const broken = mod('.mjs', `throw new Error('no config here');`);
    await assert.rejects(loadApp(broken), (err: Error) => {
      assert.ok(err instanceof AppError);
      assert.ok(err.message.includes(broken) && err.message.includes('cannot load it: no config here'), err.message);
      assert.equal((err.cause as Error).message, 'no config here');
      return true;
    });
    const app = await loadApp(mod('.mjs', `export async function setup() { await null; throw new Error('database down'); }`));
    await assert.rejects(
      async () => app.setup(fakeIo()),
      (err: Error) => {
        assert.ok(err instanceof AppError);
        assert.match(err.message, /app\d+\.mjs: setup\(io\) failed: database down$/);
        return true;
      },
    );
  });
});

describe('--app and --demo in the configuration', () => {
  it('NONSTICK_APP and --app set the app; neither set means no app and no demo asked for (the chat demo)', () => {
    assert.equal(loadConfig([], {}).app, null);
    assert.equal(loadConfig([], {}).demo, null);
    assert.equal(loadConfig([], { NONSTICK_APP: './a.js' }).app, './a.js');
    assert.equal(loadConfig(['--app', './b.js'], { NONSTICK_APP: './a.js' }).app, './b.js', 'flag over env');
    assert.equal(loadConfig([], { NONSTICK_APP: '', NONSTICK_DEMO: '' }).app, null, 'empty env values are unset (compose passes them so)');
  });

  it('refuses both at once, from any source', () => {
    for (const [argv, env] of [
      [['--app', './a.js', '--demo', 'chat'], {}],
      [['--demo', 'echo'], { NONSTICK_APP: './a.js' }],
      [['--app', './a.js'], { NONSTICK_DEMO: 'chat' }],
    ] as Array<[string[], Record<string, string>]>) {
      assert.throws(
        () => loadConfig(argv, env),
        (err: Error) => err instanceof ConfigError && /--app \(NONSTICK_APP\) and --demo \(NONSTICK_DEMO\) are mutually exclusive/.test(err.message),
        JSON.stringify({ argv, env }),
      );
    }
  });
});
