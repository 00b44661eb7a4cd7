// Counts the sockets listening on an address and port in this network namespace, whoever owns them:
// TCP from /proc/net/tcp and tcp6, UDP from /proc/net/udp and udp6 (Linux). Main thread.
//
// Why: workers bind with SO_REUSEPORT, and Linux lets any process of the same user join such a
// group and take a share of its connections or datagrams without a word. The worker pool proves,
// before its workers bind, that nobody holds the address (an exclusive bind; where that fails, that
// nobody is counted here), and afterwards that only its own workers' sockets are there: more
// sockets than workers means another process slipped in between the two steps (or joined later:
// the data-plane sync re-counts periodically). What counts is what could take the listener's
// traffic: a socket on the same address, or inside a wildcard listener's range. Another process's
// wildcard socket on the port takes nothing from a listener on a specific address (the kernel
// matches the exact destination address before it tries the wildcard), so it does not count.
//
// A UDP socket has no LISTEN state: a bound one shows state 07 (TCP_CLOSE, unconnected), one that
// connect()ed 01. Every UDP socket there counts, connected or not:
// a socket connected to one client takes that client's datagrams (the kernel prefers it). Ours are
// only the workers' bound ones there — a flow's upstream socket has an ephemeral port the kernel
// never gives out while a listener holds it.
//
// Cost: on a busy machine the TCP files list tens of thousands of sockets (TIME_WAIT mostly): 9 MB
// and half a second or more to read whole. But the kernel prints the listening sockets first (its
// iterator walks the listening hash before the established one), so a TCP read stops at the first
// line in another state: only the listening section is generated and parsed. The UDP files have no
// such order and are read whole: a line per UDP socket, listeners and flows' upstream sockets (about
// 2 MB at 16,384 flows). Requests that arrive while a read is pending share the next read. Where
// the files do not exist (not Linux) the count is undefined and callers skip the check.
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { addressCovers, canonicalIP } from '../model/ip-address.ts';

export interface ListeningCensus {
  /** Sockets of `protocol` (TCP: listening; UDP: bound) that would take connections or datagrams
   *  sent to `address:port`: bound to that address, or to one inside it when it is a wildcard (a
   *  wildcard socket elsewhere takes nothing from a specific address: the kernel looks the exact
   *  address up first); undefined when this system does not say. */
  count(address: string, port: number, protocol?: 'TCP' | 'UDP'): Promise<number | undefined>;
}

const LISTEN = '0A';

interface Listening { address: string; port: number }

/** `0100007F:1F90` → 127.0.0.1:8080; the kernel prints the 32-bit words in host order, little-endian
 *  on the machines switchyard runs on (x86-64, arm64). */
function parseV4(hex: string): Listening {
  const [a, p] = hex.split(':');
  const n = parseInt(a, 16);
  return { address: `${n & 255}.${(n >>> 8) & 255}.${(n >>> 16) & 255}.${n >>> 24}`, port: parseInt(p, 16) };
}

function parseV6(hex: string): Listening {
  const [a, p] = hex.split(':');
  const groups: string[] = [];
  for (let w = 0; w < 4; w++) {
    const word = a.slice(w * 8, w * 8 + 8);
    // Each 32-bit word is little-endian: its bytes in reverse.
    const bytes = [6, 4, 2, 0].map((b) => word.slice(b, b + 2));
    groups.push(bytes[0] + bytes[1], bytes[2] + bytes[3]);
  }
  return { address: normalise(groups.join(':')), port: parseInt(p, 16) };
}

/** The sockets of a /proc/net text; with `onlyState`, those at its head in that state, up to the
 *  first line in another (the end of the TCP files' listening section). */
function parseProcNet(text: string, v6: boolean, onlyState?: string): Listening[] {
  const out: Listening[] = [];
  const lines = text.split('\n');
  for (let i = 1; i < lines.length; i++) {
    const cols = lines[i].trim().split(/\s+/);
    if (cols.length < 4) continue;
    if (onlyState !== undefined && cols[3] !== onlyState) break;
    out.push(v6 ? parseV6(cols[1]) : parseV4(cols[1]));
  }
  return out;
}

/** The listening sockets at the head of a /proc/net/tcp{,6} text. */
export const parseProcNetTcp = (text: string, v6: boolean): Listening[] => parseProcNet(text, v6, LISTEN);
/** Every socket of a /proc/net/udp{,6} text, bound (07) or connected (01). */
export const parseProcNetUdp = (text: string, v6: boolean): Listening[] => parseProcNet(text, v6);

const CHUNK = 256 * 1024;
/** A line whose state column is not LISTEN (0A). */
const NOT_LISTENING = /^\s*\d+: \S+ \S+ (?!0A)[0-9A-F]{2} /m;

/** The head of a /proc/net/tcp{,6} file up to the end of its listening section (whole lines).
 *  Synchronous: the kernel answers the first reads in a fraction of a millisecond, less than one
 *  trip through the thread pool would cost. Each read's lines are searched once (searching the
 *  whole text again per read made a census quadratic in the listeners), and reads are large: a
 *  listener is about 150 bytes, and each read has the kernel find its place in the table again. */
function readListeningSection(path: string): string {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(CHUNK);
    let text = '';
    let searched = 0;
    for (;;) {
      const n = readSync(fd, buf, 0, CHUNK, null);
      if (n === 0) return text;
      text += buf.toString('latin1', 0, n);
      const end = text.lastIndexOf('\n') + 1;
      // A state other than LISTEN in a complete line: the listening section is over.
      if (end > searched && NOT_LISTENING.test(text.slice(searched, end))) return text.slice(0, end);
      searched = Math.max(searched, end);
    }
  } finally {
    closeSync(fd);
  }
}

/** Canonical text, v4-mapped v6 (how a v4 address on a dual-stack socket shows) as plain v4. */
function normalise(address: string): string {
  return canonicalIP(address) ?? address.toLowerCase();
}

const FILES = {
  TCP: { v4: '/proc/net/tcp', v6: '/proc/net/tcp6', parse: parseProcNetTcp },
  UDP: { v4: '/proc/net/udp', v6: '/proc/net/udp6', parse: parseProcNetUdp },
} as const;

/** `read(path)` returns the text to parse: for the TCP files their listening section is enough. */
export function createListeningCensus(read: (path: string) => string | Promise<string> = readProcNet): ListeningCensus {
  const pending: Record<'TCP' | 'UDP', Promise<Listening[] | undefined> | null> = { TCP: null, UDP: null };

  function snapshot(protocol: 'TCP' | 'UDP'): Promise<Listening[] | undefined> {
    // One read serves every request made before it starts; later ones wait for the next.
    return pending[protocol] ??= new Promise<void>((r) => setImmediate(r)).then(async () => {
      pending[protocol] = null;
      const f = FILES[protocol];
      const attempt = async (path: string) => { try { return await read(path); } catch { return undefined; } };
      const v4 = await attempt(f.v4);
      const v6 = await attempt(f.v6);
      if (v4 === undefined) return undefined;
      return [...f.parse(v4, false), ...f.parse(v6 ?? '', true)];
    });
  }

  return {
    async count(address, port, protocol = 'TCP') {
      const all = await snapshot(protocol);
      if (!all) return undefined;
      const want = normalise(address);
      let n = 0;
      for (const l of all) if (l.port === port && addressCovers(want, l.address)) n++;
      return n;
    },
  };
}

/** The TCP files up to the end of their listening section; the UDP files whole. */
function readProcNet(path: string): string {
  return path.includes('/udp') ? readFileSync(path, 'latin1') : readListeningSection(path);
}
