/** Structured JSON logs, one object per line on stderr (stdout carries machine events). */
export type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export function createLogger(level: Level, base: Record<string, unknown> = {}, out: (line: string) => void = (l) => process.stderr.write(l)): Logger {
  const min = ORDER[level];
  const log = (lvl: Level, msg: string, fields?: Record<string, unknown>) => {
    if (ORDER[lvl] < min) return;
    const rec: Record<string, unknown> = { time: new Date().toISOString(), level: lvl, msg, ...base, ...fields };
    for (const [k, v] of Object.entries(rec)) if (v instanceof Error) rec[k] = errorFields(v);
    out(`${JSON.stringify(rec)}\n`);
  };
  return {
    debug: (m, f) => log('debug', m, f),
    info: (m, f) => log('info', m, f),
    warn: (m, f) => log('warn', m, f),
    error: (m, f) => log('error', m, f),
  };
}

/** How deep `cause` and `errors` chains are followed: a cycle must not hang a log line. */
const MAX_DEPTH = 8;

/**
 * What an error tells an operator: where it was thrown (`stack`), its
 * system `code`, and what led to it (`cause`, an AggregateError's
 * `errors`), each as the same shape.
 */
export function errorFields(err: Error, depth = 0): Record<string, unknown> {
  const out: Record<string, unknown> = { name: err.name, message: err.message };
  if (err.stack !== undefined) out['stack'] = err.stack;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' || typeof code === 'number') out['code'] = code;
  if (depth >= MAX_DEPTH) return out;
  if (err.cause !== undefined) out['cause'] = err.cause instanceof Error ? errorFields(err.cause, depth + 1) : plain(err.cause);
  if (err instanceof AggregateError && Array.isArray(err.errors)) {
    out['errors'] = err.errors.map((e: unknown) => (e instanceof Error ? errorFields(e, depth + 1) : plain(e)));
  }
  return out;
}

/** A non-Error cause as JSON can hold it. */
function plain(v: unknown): unknown {
  try {
    JSON.stringify(v);
    return v;
  } catch {
    return String(v);
  }
}
