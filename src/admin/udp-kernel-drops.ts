// What the kernel dropped on switchyard's UDP listeners: the `drops` column of /proc/net/udp and
// /proc/net/udp6 (datagrams that found the socket's receive buffer full), summed per bound address
// over every socket bound there (each worker's SO_REUSEPORT socket), and the network namespace's
// RcvbufErrors (Udp and Udp6 in /proc/net/snmp, /proc/net/snmp6): where datagrams are lost under
// load. Main thread, per scrape; Linux only (elsewhere nothing is read and nothing is reported).
import { readFileSync } from 'node:fs';
import { canonicalIP, joinHostPort } from '../model/ip-address.ts';

export interface UdpKernelDrops {
  /** Drops by `host:port` (IPv6 in brackets) of unconnected sockets: listeners, not flows' upstreams. */
  byAddress: Map<string, number>;
  /** Receive-buffer errors of the whole network namespace (every UDP socket, switchyard's or not). */
  rcvbufErrors: number;
}

function read(path: string): string | undefined {
  try { return readFileSync(path, 'utf8'); } catch { return undefined; }
}

/** `0100007F:0035` (IPv4, the address's 32-bit word in host order) or 32 hex digits (IPv6: four
 *  32-bit words in host order) and a hex port. Little-endian hosts (x86, arm64) assumed. */
export function procAddress(hex: string): string | undefined {
  const [addr, port] = hex.split(':');
  if (!addr || !port) return undefined;
  const bytes: number[] = [];
  for (let w = 0; w < addr.length; w += 8) {
    const word = addr.slice(w, w + 8);
    for (let b = 6; b >= 0; b -= 2) bytes.push(parseInt(word.slice(b, b + 2), 16));
  }
  let ip: string | undefined;
  if (bytes.length === 4) ip = bytes.join('.');
  else if (bytes.length === 16) {
    const words: string[] = [];
    for (let i = 0; i < 16; i += 2) words.push(((bytes[i] << 8) | bytes[i + 1]).toString(16));
    ip = canonicalIP(words.join(':'));
  }
  return ip === undefined ? undefined : joinHostPort(ip, parseInt(port, 16));
}

/** Parses the text of /proc/net/udp or udp6 into `into`. */
export function addProcUdpDrops(text: string, into: Map<string, number>): void {
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 13) continue;
    // Connected sockets (a remote address) are flows' upstreams, not listeners.
    if (!/^0+:0000$/.test(f[2])) continue;
    const at = procAddress(f[1]);
    const drops = Number(f[f.length - 1]);
    if (at === undefined || !Number.isFinite(drops)) continue;
    into.set(at, (into.get(at) ?? 0) + drops);
  }
}

/** RcvbufErrors from /proc/net/snmp (`Udp:` header and value lines) or /proc/net/snmp6 (`Udp6RcvbufErrors N`). */
export function rcvbufErrors(snmp: string | undefined, snmp6: string | undefined): number {
  let n = 0;
  const lines = (snmp ?? '').split('\n').filter((l) => l.startsWith('Udp: '));
  if (lines.length >= 2) {
    const at = lines[0].split(/\s+/).indexOf('RcvbufErrors');
    if (at > 0) n += Number(lines[1].split(/\s+/)[at]) || 0;
  }
  const m = /^Udp6RcvbufErrors\s+(\d+)/m.exec(snmp6 ?? '');
  if (m) n += Number(m[1]);
  return n;
}

export function readUdpKernelDrops(): UdpKernelDrops | undefined {
  const udp = read('/proc/net/udp');
  if (udp === undefined) return undefined;
  const byAddress = new Map<string, number>();
  addProcUdpDrops(udp, byAddress);
  const udp6 = read('/proc/net/udp6');
  if (udp6 !== undefined) addProcUdpDrops(udp6, byAddress);
  return { byAddress, rcvbufErrors: rcvbufErrors(read('/proc/net/snmp'), read('/proc/net/snmp6')) };
}
