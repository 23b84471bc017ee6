const HEAD =
  '<?xml version="1.0"?>\n' +
  '<!DOCTYPE cross-domain-policy SYSTEM "http://www.macromedia.com/xml/dtds/cross-domain-policy.dtd">\n' +
  '<cross-domain-policy>\n';
const TAIL = '</cross-domain-policy>\n';

/**
 * The Flash socket policy file in 0.6's multi-line form (LF after every
 * line), one `<allow-access-from>` line per `origins` entry `host:port`; the
 * default origins `['*:*']` give 0.6's exact 211 bytes.
 *
 * Differences from 0.6, which used `origin.split(':')`: the entry is split at
 * its last ':' so a bracketed IPv6 host keeps its colons, a missing or empty
 * port means any port (`*`, where 0.6 wrote `undefined`), and attribute
 * values are XML-escaped so a stray quote cannot make Flash reject the policy.
 * An origin holding a control character (a line break would split the
 * one-line-per-origin form; most C0 controls cannot appear in XML at all) is a
 * configuration bug, hence a TypeError.
 */
export function sio06FlashPolicyXml(origins: readonly string[]): string {
  if (!Array.isArray(origins)) throw new TypeError('origins must be an array of "host:port" strings');
  let xml = HEAD;
  for (const origin of origins) {
    if (typeof origin !== 'string') throw new TypeError('an origin must be a "host:port" string');
    // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
    if (/[\u0000-\u001f\u007f]/.test(origin)) throw new TypeError(`an origin must not contain control characters (got ${JSON.stringify(origin)})`);
    const colon = origin.lastIndexOf(':');
    const host = colon === -1 ? origin : origin.slice(0, colon);
    const port = colon === -1 || colon === origin.length - 1 ? '*' : origin.slice(colon + 1);
    xml += `<allow-access-from domain="${xmlAttr(host)}" to-ports="${xmlAttr(port)}"/>\n`;
  }
  return xml + TAIL;
}

function xmlAttr(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
