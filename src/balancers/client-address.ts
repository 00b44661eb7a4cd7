// A client address as the 128-bit ClientIP affinity key: IPv6 as its four 32-bit words, IPv4 as its
// IPv4-mapped IPv6 form, so `1.2.3.4` and `::ffff:1.2.3.4` (a dual-stack socket) are the same client.
// Pure; runs on data-plane workers per new connection when affinity is on, so it allocates nothing.

/** The parsed address of the last successful parseV4, as a signed 32-bit integer: kept here rather
 *  than returned, because an IPv4 address above 2^30 returned as a number is a heap number (an
 *  allocation per call wherever the compiler does not inline parseV4). */
let v4 = 0;

function parseV4(s: string, from: number, to: number): boolean {
  let value = 0, part = 0, digits = 0, parts = 0;
  for (let i = from; i <= to; i++) {
    const c = i === to ? 46 : s.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || part > 255) return false;
      value = (value << 8) | part;
      parts++; part = 0; digits = 0;
    } else if (c >= 48 && c <= 57 && digits < 3) {
      part = part * 10 + (c - 48); digits++;
    } else return false;
  }
  v4 = value;
  return parts === 4;
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
    if (!parseV4(ip, 0, end)) return false;
    out[0] = 0; out[1] = 0; out[2] = 0xffff; out[3] = v4;
    return true;
  }
  let n = 0, gap = -1, i = 0;
  if (ip.startsWith('::')) { gap = 0; i = 2; }
  while (i < end) {
    const dot = ip.indexOf('.', i);
    const colon = ip.indexOf(':', i);
    if (dot >= 0 && dot < end && (colon < 0 || colon > dot)) {
      if (!parseV4(ip, i, end) || n > 6) return false;
      groups[n++] = v4 >>> 16; groups[n++] = v4 & 0xffff;
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
  for (let w = 0; w < 4; w++) out[w] = ((group(2 * w, gap, shift) << 16) | group(2 * w + 1, gap, shift)) | 0;
  return true;
}

/** Group k of the full address: the parsed groups with `shift` zero groups inserted at `gap`. A
 *  function of its own, not a closure over gap and shift: a closure would make every call of
 *  parseClientAddress allocate a context for them, IPv4 addresses included. */
function group(k: number, gap: number, shift: number): number {
  return gap < 0 || k < gap ? groups[k] : k < gap + shift ? 0 : groups[k - shift];
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
