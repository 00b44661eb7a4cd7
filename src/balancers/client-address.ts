// A client address as the 128-bit ClientIP affinity key: IPv6 as its four 32-bit words, IPv4 as its
// IPv4-mapped IPv6 form, so `1.2.3.4` and `::ffff:1.2.3.4` (a dual-stack socket) are the same client.
// Pure; runs on data-plane workers per new connection when affinity is on, so it allocates nothing.

function parseV4(s: string, from: number, to: number): number {
  let value = 0, part = 0, digits = 0, parts = 0;
  for (let i = from; i <= to; i++) {
    const c = i === to ? 46 : s.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || part > 255) return -1;
      value = value * 256 + part;
      parts++; part = 0; digits = 0;
    } else if (c >= 48 && c <= 57 && digits < 3) {
      part = part * 10 + (c - 48); digits++;
    } else return -1;
  }
  return parts === 4 ? value : -1;
}

function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

const groups = new Array<number>(8);

/** Writes the address into out[0..3]; false (out untouched meaningfully) when it is not an IP. */
export function parseClientAddress(ip: string, out: Int32Array): boolean {
  let end = ip.indexOf('%');
  if (end < 0) end = ip.length;
  if (ip.indexOf(':') < 0) {
    const v4 = parseV4(ip, 0, end);
    if (v4 < 0) return false;
    out[0] = 0; out[1] = 0; out[2] = 0xffff; out[3] = v4 | 0;
    return true;
  }
  let n = 0, gap = -1, i = 0;
  if (ip.startsWith('::')) { gap = 0; i = 2; }
  while (i < end) {
    const dot = ip.indexOf('.', i);
    const colon = ip.indexOf(':', i);
    if (dot >= 0 && dot < end && (colon < 0 || colon > dot)) {
      const v4 = parseV4(ip, i, end);
      if (v4 < 0 || n > 6) return false;
      groups[n++] = Math.floor(v4 / 65536); groups[n++] = v4 % 65536;
      i = end;
      break;
    }
    let g = 0, digits = 0;
    while (i < end && ip.charCodeAt(i) !== 58) {
      const d = hexDigit(ip.charCodeAt(i));
      if (d < 0 || digits === 4) return false;
      g = g * 16 + d; digits++; i++;
    }
    if (digits === 0 || n === 8) return false;
    groups[n++] = g;
    if (i < end) {
      i++; // ':'
      if (i < end && ip.charCodeAt(i) === 58) {
        if (gap >= 0) return false;
        gap = n; i++;
      } else if (i === end) return false;
    }
  }
  if (gap < 0 ? n !== 8 : n > 7) return false;
  const shift = 8 - n;
  for (let w = 0; w < 4; w++) {
    const at = (k: number): number => gap < 0 || k < gap ? groups[k] : k < gap + shift ? 0 : groups[k - shift];
    out[w] = ((at(2 * w) << 16) | at(2 * w + 1)) | 0;
  }
  return true;
}

/** An unsigned 32-bit hash of a parsed address (parseClientAddress's words); the same on every instance. */
export function clientAddressHash(words: Int32Array): number {
  let h = 0x9747b28c;
  for (let w = 0; w < 4; w++) {
    let k = Math.imul(words[w], 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, 0x1b873593);
    h = ((h << 13) | (h >>> 19));
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  h ^= 16;
  h ^= h >>> 16; h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13; h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
