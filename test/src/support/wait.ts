/**
 * Waiting in tests: on a condition, never on a guess of how long something
 * takes. The one exception is proving a negative ("nothing more arrives"),
 * which can only be done by waiting; `quietFor` names those waits so they
 * stand out and stay short.
 */

/** Polls `cond` every `intervalMs` until it holds; throws after `timeoutMs` naming `what`. */
export async function waitUntil(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000, intervalMs = 10): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/**
 * Lets `ms` pass so that something that must NOT happen had its chance to
 * (a duplicate delivery, a reconnect attempt). Only for negatives: the
 * assertion after it is what the wait is for.
 */
export function quietFor(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
