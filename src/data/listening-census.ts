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
// 2 MB at 16,384 flows). Requests that arrive while a read is pending share the next read, and
// reads are spaced so that they take at most a fifth of the main thread (READ_DUTY). Where the
// files do not exist (not Linux) the count is undefined and callers skip the check.
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

/** `0100007F` → 127.0.0.1; the kernel prints the 32-bit words in host order, little-endian on the
 *  machines switchyard runs on (x86-64, arm64). */
function decodeV4(hex: string): string {
  const n = parseInt(hex, 16);
  return `${n & 255}.${(n >>> 8) & 255}.${(n >>> 16) & 255}.${n >>> 24}`;
}

function decodeV6(hex: string): string {
  const groups: string[] = [];
  for (let w = 0; w < 4; w++) {
    const word = hex.slice(w * 8, w * 8 + 8);
    // Each 32-bit word is little-endian: its bytes in reverse.
    const bytes = [6, 4, 2, 0].map((b) => word.slice(b, b + 2));
    groups.push(bytes[0] + bytes[1], bytes[2] + bytes[3]);
  }
  return normalise(groups.join(':'));
}

const decode = (hex: string): string => (hex.length > 8 ? decodeV6(hex) : decodeV4(hex));

/** Local address (hex), local port (hex) and state of each socket line. */
const SOCKET_LINE = /^\s*\d+: ([0-9A-F]+):([0-9A-F]{4}) [0-9A-F]+:[0-9A-F]{4} ([0-9A-F]{2}) /gm;

/** Calls `each` with the local address (hex) and port of every socket of a /proc/net text; with
 *  `onlyState`, of those at its head in that state, up to the first line in another (the end of the
 *  TCP files' listening section). Addresses stay hex: most lines are never asked about. */
function scanProcNet(text: string, onlyState: string | undefined, each: (hex: string, port: number) => void): void {
  SOCKET_LINE.lastIndex = 0;
  for (let m = SOCKET_LINE.exec(text); m; m = SOCKET_LINE.exec(text)) {
    if (onlyState !== undefined && m[3] !== onlyState) break;
    each(m[1], parseInt(m[2], 16));
  }
}

function parseProcNet(text: string, onlyState?: string): Listening[] {
  const out: Listening[] = [];
  scanProcNet(text, onlyState, (hex, port) => out.push({ address: decode(hex), port }));
  return out;
}

/** The listening sockets at the head of a /proc/net/tcp{,6} text. */
export const parseProcNetTcp = (text: string): Listening[] => parseProcNet(text, LISTEN);
/** Every socket of a /proc/net/udp{,6} text, bound (07) or connected (01). */
export const parseProcNetUdp = (text: string): Listening[] => parseProcNet(text);

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
  TCP: { paths: ['/proc/net/tcp', '/proc/net/tcp6'], state: LISTEN },
  UDP: { paths: ['/proc/net/udp', '/proc/net/udp6'], state: undefined },
} as const;

/** A census's reads take at most this share of the main thread: after a read that took d ms, the
 *  next starts no sooner than d / READ_DUTY ms after it. The TCP listening section grows with the
 *  listeners bound (ours too: one line per worker each), so binding 1,000 listeners one census
 *  after another costs seconds of kernel time; spaced out, binds in flight wait a little and share
 *  a read. */
const READ_DUTY = 0.2;

/** A snapshot: the sockets' addresses (hex, as the kernel prints them) by port. */
type Snapshot = Map<number, string[]>;

/** `read(path)` returns the text to parse: for the TCP files their listening section is enough. */
export function createListeningCensus(read: (path: string) => string | Promise<string> = readProcNet,
  clock: () => number = () => performance.now()): ListeningCensus {
  const pending: Record<'TCP' | 'UDP', Promise<Snapshot | undefined> | null> = { TCP: null, UDP: null };
  const nextReadAt = { TCP: 0, UDP: 0 };

  async function take(protocol: 'TCP' | 'UDP'): Promise<Snapshot | undefined> {
    const wait = nextReadAt[protocol] - clock();
    await new Promise<void>((r) => (wait > 0 ? setTimeout(r, wait) : setImmediate(r)));
    pending[protocol] = null;
    const started = clock();
    const byPort: Snapshot = new Map();
    const f = FILES[protocol];
    for (const [i, path] of f.paths.entries()) {
      let text: string;
      try { text = await read(path); } catch {
        if (i === 0) return undefined; // no v4 file: this system does not say
        continue;
      }
      scanProcNet(text, f.state, (hex, port) => {
        const list = byPort.get(port);
        if (list) list.push(hex); else byPort.set(port, [hex]);
      });
    }
    nextReadAt[protocol] = clock() + (clock() - started) * (1 / READ_DUTY - 1);
    return byPort;
  }

  return {
    async count(address, port, protocol = 'TCP') {
      // One read serves every request made before it starts; later ones wait for the next.
      const byPort = await (pending[protocol] ??= take(protocol));
      if (!byPort) return undefined;
      const want = normalise(address);
      let n = 0;
      for (const hex of byPort.get(port) ?? []) if (addressCovers(want, decode(hex))) n++;
      return n;
    },
  };
}

/** The TCP files up to the end of their listening section; the UDP files whole. */
function readProcNet(path: string): string {
  return path.includes('/udp') ? readFileSync(path, 'latin1') : readListeningSection(path);
}
