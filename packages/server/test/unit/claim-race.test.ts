import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { Engine } from '../../src/engine/Engine.js';
import type { ClaimResult } from '../../src/store/Store.js';
import { MemoryCluster, MemoryStore } from '../../src/store/MemoryStore.js';
import { sessionInit } from '../contract/index.js';

/** A store whose claim replies only when the test says so, after its store step ran. */
class HeldClaimStore extends MemoryStore {
  #release: () => void = () => {};
  #heldResolve: () => void = () => {};
  readonly held = new Promise<void>((resolve) => (this.#heldResolve = resolve));

  releaseClaim(): void {
    this.#release();
  }

  override async claim(sid: string, from: string): Promise<ClaimResult> {
    const r = await super.claim(sid, from);
    const gate = new Promise<void>((resolve) => (this.#release = resolve));
    this.#heldResolve();
    await gate;
    return r;
  }
}

const engines: Engine[] = [];
afterEach(async () => {
  for (const e of engines.splice(0)) await e.close();
});

const tick = (ms = 10): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A session of a worker that died with one relayed entry (`before`) in its inbox, and a claimer whose claim reply is held. */
async function deadOwnersSession(): Promise<{ claimer: Engine; store: HeldClaimStore; other: Engine; sid: string; got: string[] }> {
  const cluster = new MemoryCluster();
  const dead = new MemoryStore({ cluster });
  await dead.start('dead-worker', () => {});
  const store = new HeldClaimStore({ cluster });
  const claimer = new Engine({ store, transports: ['polling'] });
  const other = new Engine({ store: new MemoryStore({ cluster }), transports: ['polling'] });
  engines.push(claimer, other);
  await Promise.all([claimer.ready, other.ready]);
  const sid = 'claimedsession000001';
  await dead.create(
    sessionInit(sid, 'dead-worker', {
      pingInterval: 60_000,
      pingTimeout: 60_000,
      handshake: JSON.stringify({
        request: { method: 'GET', path: '/engine.io/', query: {}, headers: {}, remoteAddress: '127.0.0.1' },
        issued: Date.now(),
        supportsBinary: true,
      }),
    }),
  );
  // Relayed to the owner before it died, never taken: the claim hands it over.
  assert.equal((await other.store.ingest(sid, 'polling', { messages: ['4before'] })).kind, 'relayed');
  await dead.stop();
  const got: string[] = [];
  claimer.on('connection', (s) => s.on('message', (d: Buffer) => got.push(String(d))));
  return { claimer, store, other, sid, got };
}

async function until(what: string, ok: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !ok(); i++) await tick();
  assert.ok(ok(), what);
}

describe("a claim whose reply comes after the store already routes the session's messages to this worker", () => {
  it("delivers what another worker relayed meanwhile: the inbox notice overtook the claim's reply", async () => {
    const { claimer, store, other, sid, got } = await deadOwnersSession();
    const claimed = claimer.claim(sid, 'dead-worker');
    await store.held;
    assert.equal((await other.store.ingest(sid, 'polling', { messages: ['4relayed'] })).kind, 'relayed', 'relayed to the claimer');
    await tick(30); // the notice arrives while the reply is held
    assert.deepEqual(got, []);
    store.releaseClaim();
    assert.ok(await claimed, 'claimed');
    await until('both messages', () => got.length >= 2);
    assert.deepEqual(got, ['before', 'relayed']);
    await tick(30);
    assert.equal(got.length, 2, 'each exactly once');
  });

  it('delivers what this worker ingested as the owner meanwhile, once the socket exists', async () => {
    const { claimer, store, sid, got } = await deadOwnersSession();
    const claimed = claimer.claim(sid, 'dead-worker');
    await store.held;
    const own = await claimer.store.ingest(sid, 'polling', { messages: ['4own'] });
    assert.equal(own.kind, 'local', "answered as the owner's");
    const delivered = own.kind === 'local' ? claimer.receiveOwned(sid, own.entries, own.stored) : null;
    await tick(30);
    assert.deepEqual(got, []);
    store.releaseClaim();
    assert.ok(await claimed, 'claimed');
    assert.ok(await delivered, 'the socket, once the claim was done');
    assert.deepEqual(got, ['before', 'own']);
  });
});
