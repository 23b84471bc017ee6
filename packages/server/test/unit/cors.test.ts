import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { corsHeaders, isOriginAllowed, preflightHeaders, type CorsOptions } from '../../src/http/cors.js';

const ORIGIN = 'https://app.example';

describe('corsHeaders (actual requests), as the cors package answers', () => {
  it('no origin option: * for everyone, no Vary', async () => {
    assert.deepEqual(await corsHeaders({}, ORIGIN), [['Access-Control-Allow-Origin', '*']]);
    assert.deepEqual(await corsHeaders({ origin: '*' }, undefined), [['Access-Control-Allow-Origin', '*']]);
  });

  it('a fixed string origin is sent as is, whatever the request origin, with Vary: Origin', async () => {
    assert.deepEqual(await corsHeaders({ origin: 'https://a' }, 'https://b'), [
      ['Access-Control-Allow-Origin', 'https://a'],
      ['Vary', 'Origin'],
    ]);
  });

  it('true, a RegExp or a list reflect an allowed request origin and omit a refused one', async () => {
    const cases: Array<[CorsOptions['origin'], string | undefined, boolean]> = [
      [true, ORIGIN, true],
      [/\.example$/, ORIGIN, true],
      [/\.other$/, ORIGIN, false],
      [['https://x', /app\./], ORIGIN, true],
      [['https://x'], ORIGIN, false],
      [true, undefined, false],
    ];
    for (const [origin, req, allowed] of cases) {
      const expected: Array<[string, string]> = allowed
        ? [
            ['Access-Control-Allow-Origin', req!],
            ['Vary', 'Origin'],
          ]
        : [['Vary', 'Origin']];
      assert.deepEqual(await corsHeaders({ origin: origin! }, req), expected, `${String(origin)} / ${req}`);
    }
  });

  it('a global RegExp is tested from the start every time', async () => {
    const re = /app/g;
    for (let i = 0; i < 3; i++) assert.deepEqual((await corsHeaders({ origin: re }, ORIGIN))![0], ['Access-Control-Allow-Origin', ORIGIN]);
  });

  it('origin: false disables CORS (null)', async () => {
    assert.equal(await corsHeaders({ origin: false }, ORIGIN), null);
  });

  it('credentials and exposed headers (a list is comma-joined)', async () => {
    assert.deepEqual(await corsHeaders({ credentials: true, exposedHeaders: ['X-A', 'X-B'] }, ORIGIN), [
      ['Access-Control-Allow-Origin', '*'],
      ['Access-Control-Allow-Credentials', 'true'],
      ['Access-Control-Expose-Headers', 'X-A,X-B'],
    ]);
  });

  it('an origin function decides per request; its error rejects', async () => {
    const fn: CorsOptions['origin'] = (o, cb) => (o === 'bad' ? cb(new Error('nope')) : cb(null, o === ORIGIN));
    assert.deepEqual(await corsHeaders({ origin: fn }, ORIGIN), [
      ['Access-Control-Allow-Origin', ORIGIN],
      ['Vary', 'Origin'],
    ]);
    assert.equal(await corsHeaders({ origin: fn }, 'https://other'), null);
    await assert.rejects(corsHeaders({ origin: fn }, 'bad'), /nope/);
    await assert.rejects(
      corsHeaders(
        {
          origin: () => {
            throw new Error('thrown');
          },
        },
        ORIGIN,
      ),
      /thrown/,
    );
  });
});

describe('preflightHeaders', () => {
  it('defaults: every method, the requested headers reflected with their Vary', async () => {
    assert.deepEqual(await preflightHeaders({}, ORIGIN, 'content-type, x-y'), [
      ['Access-Control-Allow-Origin', '*'],
      ['Access-Control-Allow-Methods', 'GET,HEAD,PUT,PATCH,POST,DELETE'],
      ['Access-Control-Allow-Headers', 'content-type, x-y'],
      ['Vary', 'Access-Control-Request-Headers'],
    ]);
  });

  it('configured methods, allowed headers, max age, credentials and exposed headers', async () => {
    assert.deepEqual(
      await preflightHeaders(
        { origin: 'https://a', methods: ['GET', 'POST'], allowedHeaders: 'X-A', maxAge: 600, credentials: true, exposedHeaders: 'X-E' },
        ORIGIN,
        'x-other',
      ),
      [
        ['Access-Control-Allow-Origin', 'https://a'],
        ['Vary', 'Origin'],
        ['Access-Control-Allow-Credentials', 'true'],
        ['Access-Control-Allow-Methods', 'GET,POST'],
        ['Access-Control-Allow-Headers', 'X-A'],
        ['Access-Control-Max-Age', '600'],
        ['Access-Control-Expose-Headers', 'X-E'],
      ],
    );
  });

  it('allowedHeaders "" (or []) sends no Allow-Headers even when headers were requested', async () => {
    for (const allowedHeaders of ['', []]) {
      const h = await preflightHeaders({ allowedHeaders }, ORIGIN, 'x-y');
      assert.ok(!h!.some(([k]) => k === 'Access-Control-Allow-Headers' || k === 'Vary'), JSON.stringify(h));
    }
  });

  it('maxAge 0 is still sent; origin false disables the preflight answer', async () => {
    assert.ok((await preflightHeaders({ maxAge: 0 }, ORIGIN, undefined))!.some(([k, v]) => k === 'Access-Control-Max-Age' && v === '0'));
    assert.equal(await preflightHeaders({ origin: false }, ORIGIN, undefined), null);
  });
});

describe('isOriginAllowed (the 0.9 handshake and websocket check)', () => {
  it('no options, no origin option, true and * allow everyone', async () => {
    for (const o of [undefined, {}, { origin: true }, { origin: '*' }] as Array<CorsOptions | undefined>) assert.equal(await isOriginAllowed(o, ORIGIN), true);
  });

  it('a string, RegExp or list must match; false refuses', async () => {
    assert.equal(await isOriginAllowed({ origin: ORIGIN }, ORIGIN), true);
    assert.equal(await isOriginAllowed({ origin: 'https://x' }, ORIGIN), false);
    assert.equal(await isOriginAllowed({ origin: [/example$/] }, ORIGIN), true);
    assert.equal(await isOriginAllowed({ origin: false }, ORIGIN), false);
  });

  it('an origin function that fails refuses instead of throwing', async () => {
    assert.equal(await isOriginAllowed({ origin: (_o, cb) => cb(new Error('x')) }, ORIGIN), false);
    assert.equal(await isOriginAllowed({ origin: (_o, cb) => cb(null, true) }, ORIGIN), true);
  });
});
