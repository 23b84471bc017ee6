/**
 * The textual remote address both hosts report: IPv4 in dotted form (also
 * when it reaches a dual-stack socket as an IPv4-mapped IPv6 address), IPv6
 * in its RFC 5952 short form. Node gives `::ffff:127.0.0.1` or `::1`;
 * uWebSockets.js gives all eight groups in full
 * (`0000:0000:0000:0000:0000:ffff:7f00:0001`); both become what users of
 * `socket.handshake.address` expect (`127.0.0.1`, `::1`).
 */
export function canonicalAddress(text: string): string {
  const lower = text.toLowerCase();
  if (lower.startsWith('::ffff:') && lower.includes('.')) return lower.slice(7);
  const groups = lower.split(':');
  if (groups.length !== 8 || groups.some((g) => g.length === 0)) return lower;
  const words = groups.map((g) => parseInt(g, 16));
  if (words.some((w) => Number.isNaN(w))) return lower;
  if (words.slice(0, 5).every((w) => w === 0) && words[5] === 0xffff) {
    const hi = words[6]!;
    const lo = words[7]!;
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  return compress(words);
}

/** RFC 5952: the longest run of two or more zero groups becomes `::` (the first such run on a tie). */
function compress(words: number[]): string {
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = words.map((w) => w.toString(16));
  if (best === -1) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}
