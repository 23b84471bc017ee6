import assert from 'node:assert/strict';
import vm from 'node:vm';
import { DecodeError, LegacyDecodeError, type LegacyPacket } from '../src/index.js';

/** Asserts `fn` throws a LegacyDecodeError (a DecodeError) with `reason`. */
export function assertLegacyError(fn: () => unknown, reason: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof LegacyDecodeError, `expected LegacyDecodeError, got ${String(e)}`);
    assert.ok(e instanceof DecodeError);
    assert.equal(e.reason, reason, e.message);
    return true;
  });
}

/** Runs `fn`; a LegacyDecodeError is fine, anything else (even another DecodeError) fails. */
export function onlyLegacyErrors<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch (e) {
    if (e instanceof LegacyDecodeError) return undefined;
    throw e;
  }
}

/**
 * Expands the notation of WIRE-EXAMPLES.md: `«U+FFFD»` is the character,
 * `x…(60×x)` a run of 60 'x'.
 */
export function wire(shown: string): string {
  return shown.replaceAll('«U+FFFD»', '\ufffd').replace(/x…\((\d+)×x\)/g, (_, n: string) => 'x'.repeat(Number(n)));
}

/** A WebSocket frame's text as WIRE-EXAMPLES.md shows it: a JSON string literal. */
export function wsText(shown: string): string {
  return wire(JSON.parse(shown) as string);
}

/** Asserts a decoded packet has exactly the fields its type allows, with sane values. */
export function assertWellFormed(p: LegacyPacket): void {
  assert.equal(typeof p.endpoint, 'string');
  assert.ok(!p.endpoint.includes(':'));
  const allowed: Record<LegacyPacket['type'], string[]> = {
    disconnect: [],
    connect: ['query'],
    heartbeat: [],
    message: ['id', 'dataAck', 'data'],
    json: ['id', 'dataAck', 'data'],
    event: ['id', 'dataAck', 'name', 'args'],
    ack: ['ackId', 'args'],
    error: ['reason', 'advice'],
    noop: [],
  };
  for (const key of Object.keys(p)) assert.ok(['type', 'endpoint', ...allowed[p.type]].includes(key), `${p.type} has ${key}`);
  if ('id' in p && p.id !== undefined) assert.ok(Number.isSafeInteger(p.id) && p.id >= 0);
  if ('dataAck' in p) assert.equal(p.dataAck, true, 'dataAck is only set when true');
  if ('dataAck' in p) assert.ok('id' in p, 'dataAck without id');
  if ('args' in p) assert.ok(Array.isArray(p.args));
  if (p.type === 'connect' && 'query' in p) assert.ok(typeof p.query === 'string' && p.query !== '');
}

/** Runs a jsonp response the way the browser would and returns what io.j[i] received. */
export function runJsonp(script: string): { index: number; arg: unknown } {
  const calls: { index: number; arg: unknown }[] = [];
  const j = new Proxy([], { get: (_, k) => (arg: unknown) => calls.push({ index: Number(k), arg }) });
  vm.runInNewContext(script, { io: { j } });
  assert.equal(calls.length, 1);
  return calls[0] as { index: number; arg: unknown };
}

/** Runs an htmlfile chunk's script body and returns what `_` received. */
export function runHtmlfile(chunk: string): unknown {
  const m = /^<script>([\s\S]*)<\/script>$/.exec(chunk);
  assert.ok(m, chunk);
  const got: unknown[] = [];
  vm.runInNewContext(m[1] as string, { _: (msg: unknown) => got.push(msg) });
  assert.equal(got.length, 1);
  return got[0];
}
