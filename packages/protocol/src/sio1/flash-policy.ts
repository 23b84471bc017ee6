/** What Flash sends on the policy port (or first on the HTTP port) before it connects. */
export const FLASH_POLICY_REQUEST = '<policy-file-request/>\0';

const HEAD = '<?xml version="1.0"?><!DOCTYPE cross-domain-policy SYSTEM "http://www.macromedia.com/xml/dtds/cross-domain-policy.dtd"><cross-domain-policy>';
const TAIL = '</cross-domain-policy>';

/**
 * The socket policy answer for 'origins' entries of the form `host:port`.
 * Split at the last ':' so bracketed IPv6 hosts keep theirs; no port means any.
 * Attribute values are XML-escaped: the entries come from configuration, but
 * a stray quote must not produce a policy Flash rejects.
 */
export function flashPolicyXml(origins: readonly string[]): string {
  let xml = HEAD;
  for (const origin of origins) {
    const colon = origin.lastIndexOf(':');
    const host = colon === -1 ? origin : origin.slice(0, colon);
    const port = colon === -1 || colon === origin.length - 1 ? '*' : origin.slice(colon + 1);
    xml += `<allow-access-from domain="${xmlAttr(host)}" to-ports="${xmlAttr(port)}"/>`;
  }
  return xml + TAIL;
}

function xmlAttr(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
