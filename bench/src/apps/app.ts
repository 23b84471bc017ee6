/**
 * The benchmark app, the same for every Socket.IO server under test:
 *   echo(...args, ack)      → ack(...args)
 *   join(room, ack)         → socket.join(room); ack()
 *   broadcast(room, payload) → io.to(room).emit('bcast', payload)
 * Written against the part of the API that socket.io and Nonstick share.
 */
type Ack = (...args: unknown[]) => void;

export interface SocketLike {
  on(event: string, listener: (...args: any[]) => void): unknown; // eslint-disable-line @typescript-eslint/no-explicit-any
  join(room: string): unknown;
}

export interface IoLike {
  on(event: 'connection', listener: (socket: SocketLike) => void): unknown;
  to(room: string): { emit(event: string, ...args: unknown[]): unknown };
}

export function benchApp(io: IoLike): void {
  io.on('connection', (socket) => {
    socket.on('echo', (...args: unknown[]) => {
      const ack = args.pop();
      if (typeof ack === 'function') (ack as Ack)(...args);
    });
    socket.on('join', async (room: string, ack?: Ack) => {
      await socket.join(room); // a promise with some adapters
      ack?.();
    });
    socket.on('broadcast', (room: string, payload: unknown) => {
      io.to(room).emit('bcast', payload);
    });
  });
}

/**
 * Process plumbing shared by the server apps: SIGUSR2 runs a full GC (the
 * harness does this before reading RSS; the process runs with --expose-gc)
 * and answers `{"event":"gc"}` on stdout; SIGTERM/SIGINT exit.
 */
export function serverControl(stop?: () => Promise<void> | void): void {
  process.on('SIGUSR2', () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    gc?.();
    process.stdout.write(`${JSON.stringify({ event: 'gc', rss: process.memoryUsage.rss() })}\n`);
  });
  let stopping = false;
  const onStop = () => {
    if (stopping) return;
    stopping = true;
    const t = setTimeout(() => process.exit(0), 2_000);
    t.unref();
    Promise.resolve(stop?.()).then(
      () => process.exit(0),
      () => process.exit(0),
    );
  };
  process.on('SIGTERM', onStop);
  process.on('SIGINT', onStop);
}

export function announce(port: number, extra: Record<string, unknown> = {}): void {
  process.stdout.write(`${JSON.stringify({ event: 'listening', port, pid: process.pid, ...extra })}\n`);
}

/** `--name value` flags (only the few the apps take). */
export function flag(argv: readonly string[], name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  if (i !== -1) return argv[i + 1];
  const eq = argv.find((a) => a.startsWith(`--${name}=`));
  return eq?.slice(name.length + 3);
}
