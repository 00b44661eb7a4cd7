// IP address text → network-order bytes, shared by the PROXY v2 encoder and the CIDR matcher.
// Pure; runs on any thread. Callers validate the text first (net.isIP).

/** Network-order bytes of a valid IPv4 (4 bytes) or IPv6 (16 bytes, `::` and dotted tail allowed) address. */
export function ipBytes(ip: string, family: 4 | 6): Buffer {
  if (family === 4) return Buffer.from(ip.split('.').map(Number));
  // A dotted IPv4 tail (::ffff:1.2.3.4) becomes two hex groups, so one parser handles both forms.
  const text = ip.split('%')[0].replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/, (_m, a, b, c, d) =>
    `${((Number(a) << 8) | Number(b)).toString(16)}:${((Number(c) << 8) | Number(d)).toString(16)}`);
  const groups = (s: string) => (s === '' ? [] : s.split(':').map((g) => parseInt(g, 16)));
  const [head, rest] = text.split('::');
  let words: number[];
  if (rest === undefined) {
    words = groups(head);
  } else {
    const h = groups(head);
    const r = groups(rest);
    words = [...h, ...new Array(8 - h.length - r.length).fill(0), ...r];
  }
  const out = Buffer.alloc(16);
  for (let i = 0; i < 8; i++) out.writeUInt16BE(words[i] ?? 0, i * 2);
  return out;
}
