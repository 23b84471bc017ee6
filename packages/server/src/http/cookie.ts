/** Options of the handshake cookie, as engine.io takes them (the `cookie` package's shape). */
export interface CookieOptions {
  name?: string;
  path?: string | false;
  httpOnly?: boolean;
  sameSite?: boolean | 'lax' | 'strict' | 'none';
  secure?: boolean;
  domain?: string;
  maxAge?: number;
  expires?: Date;
}

const TOKEN = /^[\u0021\u0023-\u002b\u002d-\u003a\u003c-\u005b\u005d-\u007e]+$/;

/** Defaults engine.io applies when `cookie: true` or an object is given. */
export function resolveCookie(opt: boolean | CookieOptions | undefined): (Required<Pick<CookieOptions, 'name'>> & CookieOptions) | null {
  if (!opt) return null;
  return { name: 'io', path: '/', httpOnly: true, sameSite: 'lax', ...(opt === true ? {} : opt) };
}

export function serializeCookie(value: string, o: CookieOptions & { name: string }): string {
  if (!TOKEN.test(o.name)) throw new TypeError(`invalid cookie name: ${o.name}`);
  let s = `${o.name}=${encodeURIComponent(value)}`;
  if (o.maxAge !== undefined) s += `; Max-Age=${Math.floor(o.maxAge)}`;
  if (o.domain) s += `; Domain=${o.domain}`;
  if (o.path) s += `; Path=${o.path}`;
  if (o.expires) s += `; Expires=${o.expires.toUTCString()}`;
  if (o.httpOnly) s += '; HttpOnly';
  if (o.secure) s += '; Secure';
  if (o.sameSite) {
    const v = o.sameSite === true ? 'Strict' : o.sameSite[0]!.toUpperCase() + o.sameSite.slice(1);
    s += `; SameSite=${v}`;
  }
  return s;
}
