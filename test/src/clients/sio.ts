import { io as ioV4 } from 'socket.io-client';
import ioV2 from 'socket.io-client-v2';

export type SioVersion = 'v4' | 'v2';
export type SioMode = 'polling' | 'websocket' | 'upgrade';

export interface SioClientOptions {
  nsp?: string;
  /** socket.io-client 4.x: `auth`; 2.x gets it as query parameters. */
  auth?: Record<string, string>;
  query?: Record<string, string>;
  reconnection?: boolean;
  /** Extra options for the client library. */
  extra?: Record<string, unknown>;
}

type Args = unknown[];

/**
 * socket.io-client 4.x or 2.x behind one small interface, recording every
 * event it receives so tests can await them in order.
 */
export class SioClient {
  readonly version: SioVersion;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly raw: any;
  readonly #received = new Map<string, Args[]>();
  readonly #waiters = new Map<string, Array<() => void>>();

  constructor(version: SioVersion, url: string, mode: SioMode, opts: SioClientOptions = {}) {
    this.version = version;
    const transports = mode === 'polling' ? ['polling'] : mode === 'websocket' ? ['websocket'] : ['polling', 'websocket'];
    const common = { transports, forceNew: true, reconnection: opts.reconnection ?? false, timeout: 10_000, ...opts.extra };
    const target = `${url}${opts.nsp ?? ''}`;
    if (version === 'v4') {
      this.raw = ioV4(target, { ...common, ...(opts.auth ? { auth: opts.auth } : {}), ...(opts.query ? { query: opts.query } : {}) });
    } else {
      this.raw = ioV2(target, { ...common, query: { ...opts.query, ...opts.auth } });
    }
    const record = (ev: string, args: Args): void => {
      let list = this.#received.get(ev);
      if (!list) this.#received.set(ev, (list = []));
      list.push(args);
      for (const w of this.#waiters.get(ev)?.splice(0) ?? []) w();
    };
    if (version === 'v4') this.raw.onAny((ev: string, ...args: Args) => record(ev, args));
    else {
      // socket.io-client 2.x has no onAny: wrap its event dispatch.
      const onevent = this.raw.onevent.bind(this.raw);
      this.raw.onevent = (packet: { data: Args }) => {
        const [ev, ...args] = packet.data as [string, ...Args];
        record(
          ev,
          args.filter((a) => typeof a !== 'function'),
        );
        onevent(packet);
      };
    }
    for (const ev of ['connect', 'connect_error', 'disconnect', 'error']) {
      this.raw.on(ev, (...args: Args) => record(`$${ev}`, args));
    }
    // What the engine went through, for a failed connect's message (it forgets its id once closed).
    const engine = this.raw.io?.engine;
    engine?.on('open', () => this.engineLog.push(`open ${String(engine.id)} over ${String(engine.transport?.name)} at ${Date.now()}`));
    engine?.on('close', (reason: unknown, desc: unknown) => this.engineLog.push(`close ${String(reason)} ${describeCloseDetail(desc)} at ${Date.now()}`));
    engine?.on('error', (err: unknown) => this.engineLog.push(`error ${String((err as Error)?.message ?? err)}`));
  }

  /** The engine's open/close/error events so far, as text. */
  readonly engineLog: string[] = [];

  get id(): string {
    return this.raw.id;
  }

  get transportName(): string {
    return this.raw.io.engine.transport.name;
  }

  get engineId(): string {
    return this.raw.io.engine.id;
  }

  connected(timeoutMs = 10_000): Promise<void> {
    return this.next('$connect', timeoutMs).then(() => undefined);
  }

  emit(ev: string, ...args: Args): boolean {
    this.raw.emit(ev, ...args);
    return true;
  }

  /** Emits with an ack; resolves with the ack's arguments. */
  ack(ev: string, ...args: Args): Promise<Args> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ack for ${ev}`)), 10_000);
      this.raw.emit(ev, ...args, (...res: Args) => {
        clearTimeout(timer);
        resolve(res);
      });
    });
  }

  /** Registers a handler for server events that want an ack (the handler's return value answers). */
  answer(ev: string, fn: (...args: Args) => unknown): void {
    this.raw.on(ev, (...args: Args) => {
      const cb = args.pop() as (...a: Args) => void;
      cb(fn(...args));
    });
  }

  /** All received events of a name so far. */
  received(ev: string): Args[] {
    return this.#received.get(ev) ?? [];
  }

  /** Waits for the n-th (1-based count) event of a name; resolves with all n. */
  async nextN(ev: string, n: number, timeoutMs = 10_000): Promise<Args[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.received(ev).length < n) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${n} "${ev}" events (got ${this.received(ev).length})`);
      await new Promise<void>((resolve) => {
        // Unref'd: a wait nobody needs any more (connectSio's connect_error
        // watch after a good connect) must not hold the file's process open.
        const t = setTimeout(resolve, left).unref();
        let list = this.#waiters.get(ev);
        if (!list) this.#waiters.set(ev, (list = []));
        list.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.received(ev).slice(0, n);
  }

  /** The next event of a name, after those already received. */
  async next(ev: string, timeoutMs = 10_000): Promise<Args> {
    const n = this.received(ev).length + 1;
    const all = await this.nextN(ev, n, timeoutMs);
    return all[n - 1]!;
  }

  /** The first event of a name (already received or not). */
  async first(ev: string, timeoutMs = 10_000): Promise<Args> {
    return (await this.nextN(ev, 1, timeoutMs))[0]!;
  }

  close(): void {
    this.raw.close();
  }
}

export async function connectSio(version: SioVersion, url: string, mode: SioMode, opts: SioClientOptions = {}): Promise<SioClient> {
  const c = new SioClient(version, url, mode, opts);
  const err = c.first('$connect_error', 15_000).then((e) => {
    throw new Error(`connect_error: ${String((e[0] as Error)?.message ?? e[0])}`);
  });
  err.catch(() => {});
  try {
    await Promise.race([c.connected(15_000), err]);
  } catch (e) {
    // Say how far the connection got: the engine session (and its id) or not even that.
    const engine = c.raw.io?.engine;
    const where = engine
      ? `engine ${String(engine.id)} ${String(engine.readyState)} over ${String(engine.transport?.name)}; ${c.engineLog.join(', ') || 'no engine events'}`
      : 'no engine';
    c.close();
    throw new Error(`${version} ${mode} connect to ${url}${opts.nsp ?? ''} failed (${where}): ${(e as Error).message}`);
  }
  return c;
}

/**
 * A socket.io-client 4.x websocket client whose handlers run on a worker
 * other than `avoid`, found through round robin in up to `tries` connects
 * (the last one tried if none is elsewhere). Every client made is pushed to
 * `made`, for the caller to close.
 */
export async function v4ClientAvoiding(url: string, avoid: string, tries: number, made: SioClient[]): Promise<SioClient> {
  let c: SioClient | null = null;
  for (let attempt = 0; attempt < tries; attempt++) {
    c = await connectSio('v4', url, 'websocket');
    made.push(c);
    const [w] = await c.ack('whoami');
    if (String(w) !== avoid) break;
  }
  return c!;
}

/** A websocket close's code and reason, or an error's message, from an engine `close` event's detail. */
function describeCloseDetail(desc: unknown): string {
  if (desc === undefined || desc === null) return '';
  const d = desc as { description?: unknown; context?: { code?: unknown; reason?: unknown }; message?: unknown };
  // engine.io-client 6 passes { description, context: the websocket's CloseEvent } (code and reason are getters).
  if (d.context?.code !== undefined) return `(code ${String(d.context.code)} ${JSON.stringify(String(d.context.reason ?? ''))})`;
  const inner = (d.description ?? d) as { code?: unknown; reason?: unknown; message?: unknown };
  if (inner.code !== undefined) return `(code ${String(inner.code)} ${JSON.stringify(String(inner.reason ?? ''))})`;
  if (inner.message !== undefined) return `(${String(inner.message)})`;
  return `(${JSON.stringify(desc).slice(0, 200)})`;
}
