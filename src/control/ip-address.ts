// IPv4/IPv6 addresses as BigInt, for allocators that do arithmetic on ranges. Pure.
import { parseIP } from '../model/ip-formats.ts';

export interface ParsedIp { family: 4 | 6; value: bigint }

export interface ParsedCidr { family: 4 | 6; network: bigint; prefix: number; bits: 32 | 128 }

/** undefined when `s` is not an IP address (parsed by the validation's parser, so both agree). */
export function parseIp(s: string): ParsedIp | undefined {
  const parsed = parseIP(s);
  if (!parsed) return undefined;
  const bytes = parsed.family === 4 ? parsed.bytes.subarray(12) : parsed.bytes;
  let value = 0n;
  for (const b of bytes) value = (value << 8n) | BigInt(b);
  return { family: parsed.family, value };
}

/** Canonical text: dotted quad, or RFC 5952 IPv6 (lowercase, longest zero run compressed). */
export function formatIp(family: 4 | 6, value: bigint): string {
  if (family === 4) return [24n, 16n, 8n, 0n].map((s) => String((value >> s) & 0xffn)).join('.');
  const h = Array.from({ length: 8 }, (_, i) => Number((value >> BigInt(112 - 16 * i)) & 0xffffn));
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (h[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && h[j] === 0) j++;
    if (j - i > bestLen) { best = i; bestLen = j - i; }
    i = j;
  }
  const hex = h.map((x) => x.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

/** undefined when `s` is not `<ip>/<prefix>`. The network is the address with host bits cleared. */
export function parseCidr(s: string): ParsedCidr | undefined {
  const slash = s.indexOf('/');
  if (slash < 0) return undefined;
  const ip = parseIp(s.slice(0, slash));
  const prefixText = s.slice(slash + 1);
  if (!ip || !/^\d{1,3}$/.test(prefixText)) return undefined;
  const bits = ip.family === 4 ? 32 : 128;
  const prefix = Number(prefixText);
  if (prefix > bits) return undefined;
  const hostBits = BigInt(bits - prefix);
  const network = (ip.value >> hostBits) << hostBits;
  return { family: ip.family, network, prefix, bits };
}
