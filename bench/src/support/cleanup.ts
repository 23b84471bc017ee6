/**
 * Process-wide last-resort cleanup (copied from test/src/support/cleanup.ts):
 * whatever the bench started must not outlive
 * the test process, even when a test throws, the file crashes, or the runner
 * is interrupted (Ctrl-C, CI cancellation).
 *
 * Hooks are synchronous because `process.on('exit')` cannot await. On SIGINT,
 * SIGTERM and SIGHUP we run the hooks and then re-raise the signal, so the
 * process still dies the way it would have without us (exit status included).
 * Normal per-test cleanup (`stop()` in `after`) stays the primary mechanism;
 * this only catches what that missed.
 */

type Hook = () => void;

const hooks = new Set<Hook>();
let installed = false;
let ran = false;

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** Run every hook once, swallowing errors (we are on the way out). */
export function runCleanupNow(): void {
  ran = true;
  // Later registrations first: things started last usually depend on things
  // started first (nginx in front of workers in front of redis).
  for (const hook of [...hooks].reverse()) {
    hooks.delete(hook);
    try {
      hook();
    } catch {
      /* best effort */
    }
  }
}

function onSignal(signal: NodeJS.Signals): void {
  runCleanupNow();
  // If someone else also listens (e.g. a test's own handler), leave the
  // decision to exit to them; otherwise restore the default action and
  // re-raise so the exit status says "killed by SIGINT/SIGTERM".
  if (process.listenerCount(signal) <= 1) {
    process.removeListener(signal, onSignal);
    process.kill(process.pid, signal);
  }
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', runCleanupNow);
  for (const signal of SIGNALS) process.on(signal, onSignal);
}

/**
 * Register a synchronous hook to run at process exit / on a fatal signal.
 * Returns a disposer; call it once the resource was released normally.
 */
export function registerCleanup(hook: () => void): () => void {
  install();
  if (ran) {
    // Registering during shutdown: run right away rather than leak.
    try {
      hook();
    } catch {
      /* best effort */
    }
    return () => {};
  }
  hooks.add(hook);
  return () => {
    hooks.delete(hook);
  };
}
