/**
 * Free TCP ports for services that tests start themselves (never fixed ports).
 *
 * Why not just `listen(0)`? The kernel hands out port-0 binds from the same
 * ephemeral range it uses for the *source* ports of outgoing connections, and
 * integration tests open thousands of those (clients -> nginx -> workers ->
 * redis). A port we probed free can become the local end of some connection
 * before the service binds it, and the service then fails with EADDRINUSE.
 * So we pick random ports *below* the ephemeral range and probe them, and
 * remember what this process already handed out so two `freePort()` calls in a
 * row never return the same port before either is bound. Callers that start
 * services should still retry on EADDRINUSE (another test process may race us);
 * `startRedis` and `startNginx` do.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** Lowest port we ever pick (stay clear of well-known/registered dev ports). */
const MIN_PORT = 10_000;
/** Ports this process has returned; never returned twice. */
const handedOut = new Set<number>();

/** Start of the kernel's ephemeral range, or undefined when unknown. */
function ephemeralLow(): number | undefined {
  try {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/);
    const n = Number(low);
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined; // not Linux
  }
}

const LOW = ephemeralLow();
/** Random-range upper bound (exclusive); undefined means "use listen(0)". */
const RANDOM_HIGH = LOW !== undefined && LOW - MIN_PORT >= 2_000 ? LOW : undefined;

/** Try to bind host:port (0 = kernel's choice); resolves with the bound port or undefined. */
function probe(host: string, port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => resolve(undefined));
    // exclusive: don't share a handle with a cluster primary; we only probe.
    srv.listen({ host, port, exclusive: true }, () => {
      const addr = srv.address();
      const bound = typeof addr === 'object' && addr !== null ? addr.port : undefined;
      srv.close(() => resolve(bound));
    });
  });
}

/**
 * A TCP port that was free on `host` a moment ago. Not a reservation: bind it
 * soon, and retry with a fresh port on EADDRINUSE.
 */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const candidate = RANDOM_HIGH !== undefined ? MIN_PORT + Math.floor(Math.random() * (RANDOM_HIGH - MIN_PORT)) : 0;
    if (handedOut.has(candidate)) continue;
    const port = await probe(host, candidate);
    if (port !== undefined && !handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`freePort: no free port found on ${host}`);
}

/** True when `err` (or its message) says the address was already taken. */
export function isAddrInUse(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  return e?.code === 'EADDRINUSE' || /EADDRINUSE|[Aa]ddress already in use/.test(String(e?.message ?? err));
}
