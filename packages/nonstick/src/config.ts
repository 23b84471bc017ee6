import { readFileSync } from 'node:fs';
import type { EngineOptions, LegacyOptions, LegacyTransportName, ServerOptions, Sio06Options, Sio06TransportName, TransportName } from '@nonstick/server';
import type { Level } from './logger.js';

/** Everything a worker process is configured with. */
export interface WorkerConfig {
  port: number;
  host: string;
  redisUrl: string | null;
  workerId: string | undefined;
  /** The demo to serve (null = none asked for: the chat demo, unless `app` is set). */
  demo: string | null;
  /** The user's app module, as given (resolved against the current directory when loaded; null = a demo). */
  app: string | null;
  logLevel: Level;
  /** Worker liveness lease, ms: a worker silent this long is dead and its sessions are adopted. */
  workerTtl: number | undefined;
  /** Where Prometheus metrics are served (null = no metrics at all). */
  metricsPath: string | null;
  /** A separate port for /metrics, /health and /ready (0 = the main port). */
  metricsPort: number;
  engine: EngineOptions;
  /** Longest graceful stop before the process exits anyway, ms. */
  shutdownTimeout: number;
  /** Socket.IO layer options (Socket.IO apps only). */
  io: Pick<ServerOptions, 'connectTimeout' | 'connectionStateRecovery' | 'trustProxy'>;
}

interface Setting {
  flag: string;
  env: string;
  kind: 'int' | 'string' | 'bool' | 'list';
  describe: string;
  apply(c: WorkerConfig, v: number | string | boolean | string[]): void;
}

/** The reference table in docs/configuration.md is this list. */
export const SETTINGS: Setting[] = [
  {
    flag: 'config',
    env: 'NONSTICK_CONFIG',
    kind: 'string',
    describe: 'JSON file of settings keyed by flag name (below env vars and flags)',
    apply: () => undefined,
  },
  { flag: 'port', env: 'PORT', kind: 'int', describe: 'HTTP/WebSocket port (0 = any free port)', apply: (c, v) => (c.port = v as number) },
  { flag: 'host', env: 'HOST', kind: 'string', describe: 'Interface to bind', apply: (c, v) => (c.host = v as string) },
  {
    flag: 'redis-url',
    env: 'REDIS_URL',
    kind: 'string',
    describe: 'Redis URL; unset = in-memory store (single worker)',
    apply: (c, v) => (c.redisUrl = (v as string) || null),
  },
  {
    flag: 'worker-id',
    env: 'NONSTICK_WORKER_ID',
    kind: 'string',
    describe: 'Worker id in the cluster (default random)',
    apply: (c, v) => (c.workerId = v as string),
  },
  {
    flag: 'demo',
    env: 'NONSTICK_DEMO',
    kind: 'string',
    describe: 'Demo app to serve: chat (Socket.IO chat page at /, the default) | echo (Engine.IO echo); not with --app',
    apply: (c, v) => (c.demo = (v as string) || null),
  },
  {
    flag: 'app',
    env: 'NONSTICK_APP',
    kind: 'string',
    describe: 'Your Socket.IO app instead of a demo: a .js, .mjs or .cjs file (relative to the current directory) exporting setup(io) and optionally options',
    apply: (c, v) => (c.app = (v as string) || null),
  },
  {
    flag: 'worker-ttl',
    env: 'NONSTICK_WORKER_TTL',
    kind: 'int',
    describe: 'Worker liveness lease, ms (dead workers are detected after this)',
    apply: (c, v) => (c.workerTtl = v as number),
  },
  { flag: 'log-level', env: 'LOG_LEVEL', kind: 'string', describe: 'debug | info | warn | error', apply: (c, v) => (c.logLevel = v as Level) },
  { flag: 'path', env: 'NONSTICK_PATH', kind: 'string', describe: 'Engine.IO path', apply: (c, v) => (c.engine.path = v as string) },
  {
    flag: 'ping-interval',
    env: 'NONSTICK_PING_INTERVAL',
    kind: 'int',
    describe: 'Heartbeat interval, ms',
    apply: (c, v) => (c.engine.pingInterval = v as number),
  },
  { flag: 'ping-timeout', env: 'NONSTICK_PING_TIMEOUT', kind: 'int', describe: 'Heartbeat timeout, ms', apply: (c, v) => (c.engine.pingTimeout = v as number) },
  {
    flag: 'upgrade-timeout',
    env: 'NONSTICK_UPGRADE_TIMEOUT',
    kind: 'int',
    describe: 'Websocket upgrade timeout, ms',
    apply: (c, v) => (c.engine.upgradeTimeout = v as number),
  },
  {
    flag: 'max-http-buffer-size',
    env: 'NONSTICK_MAX_HTTP_BUFFER_SIZE',
    kind: 'int',
    describe: 'Largest message/POST body, bytes',
    apply: (c, v) => (c.engine.maxHttpBufferSize = v as number),
  },
  {
    flag: 'transports',
    env: 'NONSTICK_TRANSPORTS',
    kind: 'list',
    describe: 'Allowed transports: polling,websocket',
    apply: (c, v) => (c.engine.transports = v as TransportName[]),
  },
  {
    flag: 'allow-upgrades',
    env: 'NONSTICK_ALLOW_UPGRADES',
    kind: 'bool',
    describe: 'Allow polling→websocket upgrades',
    apply: (c, v) => (c.engine.allowUpgrades = v as boolean),
  },
  {
    flag: 'allow-eio3',
    env: 'NONSTICK_ALLOW_EIO3',
    kind: 'bool',
    describe: 'Accept Engine.IO 3 clients (socket.io-client 1.x/2.x)',
    apply: (c, v) => (c.engine.allowEIO3 = v as boolean),
  },
  {
    flag: 'cors-origin',
    env: 'NONSTICK_CORS_ORIGIN',
    kind: 'list',
    describe: 'CORS allowed origins (comma separated; * = any; /pattern/ = a regular expression)',
    apply: (c, v) => (c.engine.cors = { ...c.engine.cors, origin: corsOrigins(v as string[]) }),
  },
  {
    flag: 'cors-credentials',
    env: 'NONSTICK_CORS_CREDENTIALS',
    kind: 'bool',
    describe: 'CORS: allow credentials',
    apply: (c, v) => (c.engine.cors = { ...c.engine.cors, credentials: v as boolean }),
  },
  {
    flag: 'cookie',
    env: 'NONSTICK_COOKIE',
    kind: 'string',
    describe: 'Set a session cookie with this name on handshake',
    apply: (c, v) => (c.engine.cookie = v ? { name: v as string } : false),
  },
  {
    flag: 'per-message-deflate',
    env: 'NONSTICK_PER_MESSAGE_DEFLATE',
    kind: 'bool',
    describe: 'Websocket compression',
    apply: (c, v) => (c.engine.perMessageDeflate = v as boolean),
  },
  {
    flag: 'shutdown-timeout',
    env: 'NONSTICK_SHUTDOWN_TIMEOUT',
    kind: 'int',
    describe: 'On SIGTERM/SIGINT, exit after this many ms even if the graceful stop has not finished (default 10000)',
    apply: (c, v) => (c.shutdownTimeout = v as number),
  },
  {
    flag: 'connect-timeout',
    env: 'NONSTICK_CONNECT_TIMEOUT',
    kind: 'int',
    describe: 'Socket.IO: ms a client has to join a namespace (default 45000)',
    apply: (c, v) => (c.io.connectTimeout = v as number),
  },
  {
    flag: 'recovery',
    env: 'NONSTICK_RECOVERY',
    kind: 'int',
    describe: 'Socket.IO connection-state recovery: max disconnection, ms (0 = off, the default)',
    apply: (c, v) => (c.io.connectionStateRecovery = (v as number) > 0 ? { maxDisconnectionDuration: v as number } : false),
  },
  {
    flag: 'trust-proxy',
    env: 'NONSTICK_TRUST_PROXY',
    kind: 'bool',
    describe:
      'Socket.IO: take handshake.address and handshake.secure from X-Forwarded-For / X-Forwarded-Proto (set it behind the shipped nginx; off by default)',
    apply: (c, v) => (c.io.trustProxy = v as boolean),
  },
  {
    flag: 'metrics-path',
    env: 'NONSTICK_METRICS_PATH',
    kind: 'string',
    describe: 'Prometheus metrics path (default /metrics; off = no metrics)',
    apply: (c, v) => (c.metricsPath = metricsPath(v as string)),
  },
  {
    flag: 'metrics-port',
    env: 'NONSTICK_METRICS_PORT',
    kind: 'int',
    describe: 'Serve metrics on this port instead of the main one, with /health and /ready (0 = the main port, the default)',
    apply: (c, v) => (c.metricsPort = v as number),
  },
  {
    flag: 'legacy',
    env: 'NONSTICK_LEGACY',
    kind: 'bool',
    describe: 'Serve Socket.IO 0.7–0.9 clients (protocol 1, `/socket.io/1/`) on the same port (default true)',
    apply: (c, v) => (c.engine.legacy = v ? (c.engine.legacy === false ? {} : (c.engine.legacy ?? {})) : false),
  },
  {
    flag: 'legacy-transports',
    env: 'NONSTICK_LEGACY_TRANSPORTS',
    kind: 'list',
    describe: 'Protocol 1 transports, in the order clients try them (default websocket,htmlfile,xhr-polling,jsonp-polling; flashsocket is off as in 0.9)',
    apply: (c, v) => legacy(c, { transports: v as LegacyTransportName[] }),
  },
  {
    flag: 'legacy-heartbeat-interval',
    env: 'NONSTICK_LEGACY_HEARTBEAT_INTERVAL',
    kind: 'int',
    describe: 'Protocol 1: ms between server heartbeats on websocket/flashsocket/htmlfile (default 25000)',
    apply: (c, v) => legacy(c, { heartbeatInterval: v as number }),
  },
  {
    flag: 'legacy-heartbeat-timeout',
    env: 'NONSTICK_LEGACY_HEARTBEAT_TIMEOUT',
    kind: 'int',
    describe: "Protocol 1: ms to wait for the client's heartbeat answer (default 60000)",
    apply: (c, v) => legacy(c, { heartbeatTimeout: v as number }),
  },
  {
    flag: 'legacy-close-timeout',
    env: 'NONSTICK_LEGACY_CLOSE_TIMEOUT',
    kind: 'int',
    describe: 'Protocol 1: ms a polling session lives without requests (default 60000)',
    apply: (c, v) => legacy(c, { closeTimeout: v as number }),
  },
  {
    flag: 'legacy-polling-duration',
    env: 'NONSTICK_LEGACY_POLLING_DURATION',
    kind: 'int',
    describe: 'Protocol 1: ms an idle long-poll is held before it is answered with a noop (default 20000)',
    apply: (c, v) => legacy(c, { pollingDuration: v as number }),
  },
  {
    flag: 'flash-policy-port',
    env: 'NONSTICK_FLASH_POLICY_PORT',
    kind: 'int',
    describe: 'Port of the Flash socket policy server for flashsocket clients (unset = none; 0 = any free port; 0.9 used 10843)',
    apply: (c, v) => legacy(c, { flashPolicyPort: v as number }),
  },
  {
    flag: 'sio06',
    env: 'NONSTICK_SIO06',
    kind: 'bool',
    describe: 'Serve Socket.IO 0.6 clients (`~m~` framing, `/socket.io/<transport>/`) on the same port (default true)',
    apply: (c, v) => (c.engine.sio06 = v ? (c.engine.sio06 === false ? {} : (c.engine.sio06 ?? {})) : false),
  },
  {
    flag: 'sio06-transports',
    env: 'NONSTICK_SIO06_TRANSPORTS',
    kind: 'list',
    describe: 'Socket.IO 0.6 transports (default websocket,htmlfile,xhr-multipart,xhr-polling,jsonp-polling; flashsocket is off)',
    apply: (c, v) => sio06(c, { transports: v as Sio06TransportName[] }),
  },
  {
    flag: 'sio06-heartbeat-interval',
    env: 'NONSTICK_SIO06_HEARTBEAT_INTERVAL',
    kind: 'int',
    describe: 'Socket.IO 0.6: ms between server heartbeats on websocket/flashsocket/htmlfile/xhr-multipart (default 10000)',
    apply: (c, v) => sio06(c, { heartbeatInterval: v as number }),
  },
  {
    flag: 'sio06-heartbeat-timeout',
    env: 'NONSTICK_SIO06_HEARTBEAT_TIMEOUT',
    kind: 'int',
    describe: 'Socket.IO 0.6: ms to wait for the heartbeat echo (default 8000)',
    apply: (c, v) => sio06(c, { heartbeatTimeout: v as number }),
  },
  {
    flag: 'sio06-close-timeout',
    env: 'NONSTICK_SIO06_CLOSE_TIMEOUT',
    kind: 'int',
    describe: 'Socket.IO 0.6: ms a polling session lives without requests (default 8000)',
    apply: (c, v) => sio06(c, { closeTimeout: v as number }),
  },
  {
    flag: 'sio06-polling-duration',
    env: 'NONSTICK_SIO06_POLLING_DURATION',
    kind: 'int',
    describe: 'Socket.IO 0.6: ms an idle long-poll is held before it is answered empty (default 20000)',
    apply: (c, v) => sio06(c, { pollingDuration: v as number }),
  },
  {
    flag: 'http-server',
    env: 'NONSTICK_HTTP_SERVER',
    kind: 'string',
    describe:
      'Network host: uws (uWebSockets.js) | node (node:http + ws) | auto (uws where a native build loads for this Node and libc, else node; the default)',
    apply: (c, v) => (c.engine.httpServer = httpServer(v as string)),
  },
  {
    flag: 'allow-uws-fallback',
    env: 'NONSTICK_ALLOW_UWS_FALLBACK',
    kind: 'bool',
    describe: "Run on uWebSockets.js's slow JS fallback instead of refusing",
    apply: (c, v) => (c.engine.allowUwsFallback = v as boolean),
  },
];

/** Legacy settings merge; setting one turns legacy support on unless `--legacy false` comes later. */
function legacy(c: WorkerConfig, o: LegacyOptions): void {
  const cur = c.engine.legacy;
  c.engine.legacy = { ...(typeof cur === 'object' ? cur : {}), ...o };
}

function sio06(c: WorkerConfig, o: Sio06Options): void {
  const cur = c.engine.sio06;
  c.engine.sio06 = { ...(typeof cur === 'object' ? cur : {}), ...o };
}

function httpServer(v: string): 'uws' | 'node' | 'auto' {
  const k = v.trim();
  if (k === 'uws' || k === 'node' || k === 'auto') return k;
  throw new ConfigError(`--http-server: expected uws, node or auto, got ${JSON.stringify(v)}`);
}

function metricsPath(v: string): string | null {
  const p = v.trim();
  if (p === '' || p === 'off' || p === 'false') return null;
  if (!p.startsWith('/')) throw new ConfigError(`--metrics-path: expected a path starting with /, got ${JSON.stringify(v)}`);
  return p;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

function parseValue(s: Setting, raw: string, source: string): number | string | boolean | string[] {
  switch (s.kind) {
    case 'int': {
      const n = Number(raw);
      if (!Number.isInteger(n) || n < 0) throw new ConfigError(`${source}: expected a non-negative integer, got ${JSON.stringify(raw)}`);
      return n;
    }
    case 'bool':
      if (/^(1|true|yes|on)$/i.test(raw)) return true;
      if (/^(0|false|no|off)$/i.test(raw)) return false;
      throw new ConfigError(`${source}: expected true/false, got ${JSON.stringify(raw)}`);
    case 'list':
      return raw
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean);
    default:
      return raw;
  }
}

export function defaultConfig(): WorkerConfig {
  return {
    port: 3000,
    host: '0.0.0.0',
    redisUrl: null,
    workerId: undefined,
    demo: null,
    app: null,
    logLevel: 'info',
    workerTtl: undefined,
    metricsPath: '/metrics',
    metricsPort: 0,
    shutdownTimeout: 10_000,
    engine: {},
    io: {},
  };
}

/**
 * Defaults, then the config file (`--config FILE` or NONSTICK_CONFIG), then
 * environment, then flags (`--name value`, `--name=value`, `--flag` for
 * booleans).
 */
export function loadConfig(argv: string[], env: NodeJS.ProcessEnv): WorkerConfig {
  const c = defaultConfig();
  const file = configFileOf(argv) ?? (env['NONSTICK_CONFIG'] || undefined);
  if (file !== undefined) applyConfigFile(c, file);
  for (const s of SETTINGS) {
    const raw = env[s.env];
    if (raw !== undefined && raw !== '') s.apply(c, parseValue(s, raw, s.env));
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) throw new ConfigError(`unexpected argument ${JSON.stringify(arg)}`);
    const eq = arg.indexOf('=');
    let name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    let raw: string | undefined = eq === -1 ? undefined : arg.slice(eq + 1);
    let negate = false;
    if (name.startsWith('no-')) {
      negate = true;
      name = name.slice(3);
    }
    const s = SETTINGS.find((x) => x.flag === name);
    if (!s) throw new ConfigError(`unknown option --${name} (see --help)`);
    if (raw === undefined) {
      if (s.kind === 'bool') raw = negate ? 'false' : 'true';
      else {
        raw = argv[++i];
        if (raw === undefined) throw new ConfigError(`--${name} needs a value`);
      }
    }
    s.apply(c, parseValue(s, raw, `--${name}`));
  }
  if (!['debug', 'info', 'warn', 'error'].includes(c.logLevel)) throw new ConfigError(`log level must be debug, info, warn or error`);
  if (c.app !== null && c.demo !== null)
    throw new ConfigError(
      `--app (NONSTICK_APP) and --demo (NONSTICK_DEMO) are mutually exclusive: --app ${JSON.stringify(c.app)} runs your app instead of a demo, so drop --demo ${JSON.stringify(c.demo)}`,
    );
  return c;
}

/** The value of `--config` on the command line, if any. */
function configFileOf(argv: string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--config') {
      const v = argv[i + 1];
      if (v === undefined || v.startsWith('--')) throw new ConfigError('--config needs a file');
      return v;
    }
    if (a.startsWith('--config=')) return a.slice('--config='.length);
  }
  return undefined;
}

/**
 * A JSON object whose keys are the flag names (`{"port": 3000,
 * "redis-url": "redis://…", "transports": ["websocket"]}`); values are
 * checked as the same settings given on the command line would be.
 */
function applyConfigFile(c: WorkerConfig, file: string): void {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(`config file ${file}: ${(err as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new ConfigError(`config file ${file}: expected a JSON object of settings`);
  for (const [key, value] of Object.entries(parsed as Record<string, unknown>)) {
    const s = SETTINGS.find((x) => x.flag === key);
    if (!s || s.flag === 'config') throw new ConfigError(`config file ${file}: unknown setting ${JSON.stringify(key)} (keys are the flag names, see --help)`);
    let raw: string;
    if (Array.isArray(value) && s.kind === 'list' && value.every((v) => typeof v === 'string')) raw = value.join(',');
    else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') raw = String(value);
    else throw new ConfigError(`config file ${file}: ${key}: expected a ${s.kind === 'list' ? 'list of strings' : s.kind}, got ${JSON.stringify(value)}`);
    s.apply(c, parseValue(s, raw, `config file ${file}: ${key}`));
  }
}

export function helpText(): string {
  const rows = SETTINGS.map((s) => `  --${s.flag.padEnd(22)} ${s.env.padEnd(30)} ${s.describe}`);
  return ['Usage: nonstick [options]', '', '  option                   environment                    meaning', ...rows, ''].join('\n');
}

/** `--cors-origin` entries: `*` alone allows any origin; `/body/flags` is a regular expression, anything else an exact origin. */
export function corsOrigins(entries: string[]): '*' | Array<string | RegExp> {
  if (entries.length === 1 && entries[0] === '*') return '*';
  return entries.map((e) => {
    const m = /^\/(.+)\/([a-z]*)$/.exec(e);
    if (!m) return e;
    try {
      return new RegExp(m[1]!, m[2]);
    } catch (err) {
      throw new ConfigError(`--cors-origin: ${e} is not a valid regular expression (${(err as Error).message})`);
    }
  });
}
