// Decides whether a bind address is reachable only from this machine, which is what lets the admin
// API run without a token. Pure; main thread.
import { isIPv4, isIPv6 } from 'node:net';

/** true for `localhost`, 127.0.0.0/8, ::1 and IPv4-mapped 127.x; false for wildcards and everything else. */
export function isLoopbackHost(host: string): boolean {
  let h = host.trim().toLowerCase();
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIPv4(h)) return h.startsWith('127.');
  if (!isIPv6(h)) return false;
  if (h.startsWith('::ffff:')) {
    const v4 = h.slice('::ffff:'.length);
    return isIPv4(v4) && v4.startsWith('127.');
  }
  // Compare the expanded form so that spellings such as 0:0:0:0:0:0:0:1 count too.
  return expandIPv6(h) === '0000:0000:0000:0000:0000:0000:0000:0001';
}

function expandIPv6(ip: string): string {
  const [head, tail] = ip.includes('::') ? ip.split('::') : [ip, undefined];
  const a = head ? head.split(':') : [];
  const b = tail ? tail.split(':') : [];
  const groups = tail === undefined ? a : [...a, ...Array(8 - a.length - b.length).fill('0'), ...b];
  return groups.map((g) => g.padStart(4, '0')).join(':');
}
