/**
 * CORS with the option shape and behaviour of the `cors` package, which is
 * what socket.io users configure (`new Server({ cors: {...} })`).
 */
export type StaticOrigin = boolean | string | RegExp | Array<string | RegExp>;
export type OriginCallback = (err: Error | null, origin?: StaticOrigin) => void;

export interface CorsOptions {
  origin?: StaticOrigin | ((requestOrigin: string | undefined, callback: OriginCallback) => void);
  methods?: string | string[];
  allowedHeaders?: string | string[];
  exposedHeaders?: string | string[];
  credentials?: boolean;
  maxAge?: number;
  /** Status of a successful preflight answer (204 by default). */
  optionsSuccessStatus?: number;
}

export type HeaderList = Array<[string, string]>;

const DEFAULT_METHODS = 'GET,HEAD,PUT,PATCH,POST,DELETE';

function list(v: string | string[] | undefined): string | undefined {
  if (v === undefined) return undefined;
  return Array.isArray(v) ? v.join(',') : v;
}

function originAllowed(origin: string, allowed: StaticOrigin): boolean {
  if (Array.isArray(allowed)) return allowed.some((a) => originAllowed(origin, a));
  if (typeof allowed === 'string') return origin === allowed;
  if (allowed instanceof RegExp) {
    allowed.lastIndex = 0;
    return allowed.test(origin);
  }
  return !!allowed;
}

function resolveOrigin(options: CorsOptions, requestOrigin: string | undefined): Promise<StaticOrigin | undefined> | StaticOrigin | undefined {
  const o = options.origin;
  if (typeof o !== 'function') return o;
  return new Promise((resolve, reject) => {
    try {
      o(requestOrigin, (err, value) => (err ? reject(err) : resolve(value)));
    } catch (err) {
      reject(err);
    }
  });
}

function originHeaders(out: HeaderList, origin: StaticOrigin | undefined, requestOrigin: string | undefined): void {
  if (origin === undefined || origin === '*') {
    out.push(['Access-Control-Allow-Origin', '*']);
  } else if (typeof origin === 'string') {
    out.push(['Access-Control-Allow-Origin', origin], ['Vary', 'Origin']);
  } else {
    if (requestOrigin !== undefined && originAllowed(requestOrigin, origin)) {
      out.push(['Access-Control-Allow-Origin', requestOrigin]);
    }
    out.push(['Vary', 'Origin']);
  }
}

/**
 * Headers for an actual (non-preflight) request. Returns null when CORS is
 * disabled for this request (`origin: false`, or the origin function said so).
 */
export async function corsHeaders(options: CorsOptions, requestOrigin: string | undefined): Promise<HeaderList | null> {
  const origin = await resolveOrigin(options, requestOrigin);
  if (origin === false) return null;
  const out: HeaderList = [];
  originHeaders(out, origin, requestOrigin);
  if (options.credentials) out.push(['Access-Control-Allow-Credentials', 'true']);
  const exposed = list(options.exposedHeaders);
  if (exposed) out.push(['Access-Control-Expose-Headers', exposed]);
  return out;
}

/** Headers for a preflight (OPTIONS) answer, or null when CORS is disabled for it. */
export async function preflightHeaders(
  options: CorsOptions,
  requestOrigin: string | undefined,
  requestHeaders: string | undefined,
): Promise<HeaderList | null> {
  const origin = await resolveOrigin(options, requestOrigin);
  if (origin === false) return null;
  const out: HeaderList = [];
  originHeaders(out, origin, requestOrigin);
  if (options.credentials) out.push(['Access-Control-Allow-Credentials', 'true']);
  out.push(['Access-Control-Allow-Methods', list(options.methods) ?? DEFAULT_METHODS]);
  const allowed = list(options.allowedHeaders);
  if (allowed !== undefined) {
    if (allowed) out.push(['Access-Control-Allow-Headers', allowed]);
  } else if (requestHeaders) {
    out.push(['Access-Control-Allow-Headers', requestHeaders], ['Vary', 'Access-Control-Request-Headers']);
  }
  if (typeof options.maxAge === 'number') out.push(['Access-Control-Max-Age', String(options.maxAge)]);
  const exposed = list(options.exposedHeaders);
  if (exposed) out.push(['Access-Control-Expose-Headers', exposed]);
  return out;
}

/**
 * Whether `cors.origin` names the origins to trust (a string, a list, a
 * pattern, a callback), rather than being unset, `true`, `false` or `*`.
 * The legacy protocols answer with credentialed CORS only then.
 */
export function hasOriginAllowList(options: CorsOptions | undefined): boolean {
  const o = options?.origin;
  return o !== undefined && o !== true && o !== false && o !== '*';
}

/**
 * Whether a request from `origin` may proceed at all (Socket.IO 0.9 refused
 * handshakes and websockets from other origins outright). No `origin`
 * option, `true` or `*` allow every origin.
 */
export async function isOriginAllowed(options: CorsOptions | undefined, origin: string): Promise<boolean> {
  if (!options || options.origin === undefined) return true;
  try {
    const allowed = await resolveOrigin(options, origin);
    if (allowed === undefined || allowed === '*') return true;
    return originAllowed(origin, allowed);
  } catch {
    return false;
  }
}
