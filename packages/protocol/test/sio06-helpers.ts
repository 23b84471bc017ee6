import assert from 'node:assert/strict';
import vm from 'node:vm';
import { DecodeError, Sio06DecodeError } from '../src/index.js';

/** Asserts `fn` throws a Sio06DecodeError (a DecodeError) with `reason`. */
export function assertSio06Error(fn: () => unknown, reason: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof Sio06DecodeError, `expected Sio06DecodeError, got ${String(e)}`);
    assert.ok(e instanceof DecodeError);
    assert.equal(e.reason, reason, e.message);
    return true;
  });
}

/** Runs `fn`; a Sio06DecodeError is fine, anything else (even another DecodeError) fails. */
export function onlySio06Errors<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch (e) {
    if (e instanceof Sio06DecodeError) return undefined;
    throw e;
  }
}

/** Expands the shortening of WIRE-EXAMPLES-06.md: `x…(300×x)` is a run of 300 'x'. */
export function wire(shown: string): string {
  return shown.replace(/x…\((\d+)×x\)/g, (_, n: string) => 'x'.repeat(Number(n)));
}

/** A WebSocket frame's text as WIRE-EXAMPLES-06.md shows it: a JSON string literal. */
export function wsText(shown: string): string {
  return wire(JSON.parse(shown) as string);
}

/** Bytes on the wire of a string (the transports send UTF-8). */
export const utf8Length = (s: string): number => Buffer.byteLength(s, 'utf8');

/** 0.6's own payload reader (SPEC §1.1): lenient, but the authority on what a length means. */
export function referenceDecode(body: string): string[] {
  const messages: string[] = [];
  let data = body;
  do {
    if (data.substr(0, 3) !== '~m~') return messages;
    data = data.substr(3);
    let number = '';
    while (number.length < data.length && /[0-9]/.test(data.charAt(number.length))) number += data.charAt(number.length);
    data = data.substr(number.length + 3);
    messages.push(data.substr(0, Number(number)));
    data = data.substr(Number(number));
  } while (data !== '');
  return messages;
}

/**
 * Runs an htmlfile chunk the way the browser's HTML parser and the 0.6
 * client would: the script element must end only at the chunk's own
 * `</script>` (and the HTML parser must not enter its double-escaped state
 * through `<!--`), then the script runs and `parent.s._` gets the payload.
 */
export function runHtmlfile(chunk: string): { payload: unknown; doc: unknown } {
  const m = /^<script>([\s\S]*)<\/script>$/.exec(chunk);
  assert.ok(m, chunk);
  const body = m[1] as string;
  assert.ok(!/<\/script/i.test(body), 'the payload ends the script element early');
  assert.ok(!body.includes('<!--'), 'the payload can switch the HTML parser into the double-escaped state');
  const calls: { payload: unknown; doc: unknown }[] = [];
  const document = { marker: 'document' };
  vm.runInNewContext(body, { parent: { s: { _: (payload: unknown, doc: unknown) => calls.push({ payload, doc }) } }, document });
  assert.equal(calls.length, 1);
  const call = calls[0] as { payload: unknown; doc: unknown };
  assert.equal(call.doc, document);
  return call;
}

/** Runs a jsonp-polling response and returns which io.JSONP slot got what. */
export function runJsonp(script: string): { index: string; payload: unknown } {
  const calls: { index: string; payload: unknown }[] = [];
  const JSONP = new Proxy([], {
    get: (_, k) => ({ _: (payload: unknown) => calls.push({ index: String(k), payload }) }),
  });
  vm.runInNewContext(script, { io: { JSONP } });
  assert.equal(calls.length, 1);
  return calls[0] as { index: string; payload: unknown };
}

/** True when `s` holds an unpaired surrogate (which UTF-8 and form encoding cannot carry). */
export function hasLoneSurrogate(s: string): boolean {
  return /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s);
}
