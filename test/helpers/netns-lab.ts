// Several hosts on one machine, for end-to-end tests: network namespaces the test makes itself, each
// with its own loopback (so each host binds the same ClusterIPs, as two machines would) and one veth
// pair to a bridge in the root namespace, addressed from the benchmarking range 198.18.0.0/15 (the
// one exception to loopback-only in tests). The bridge's address and any extra root addresses a test
// asks for (backends, clients with source addresses of their own, etcd) stay in the root namespace,
// reachable from every host over the bridge.
// Names carry this process's PID (base 36), so parallel runs never collide, and each lab first
// removes what a run that was killed (SIGKILL skips every cleanup) left behind: namespaces and links
// whose PID is gone. close() — and, should the process exit without it, an exit hook — kills what
// still runs inside the namespaces (by PID), deletes them (their veth pairs go with them) and the
// bridge. Needs root and iproute2.
import { execFileSync } from 'node:child_process';

export interface NetnsHost {
  /** The namespace's name (`ip netns exec NAME …`). */
  ns: string;
  /** Its address on the bridge (198.18.x.y). */
  address: string;
}

export interface NetnsLab {
  /** The bridge's address in the root namespace. */
  bridgeAddress: string;
  hosts: NetnsHost[];
  /** `198.18.x.<octet>`, one of the addresses asked for with `rootAddresses`. */
  rootAddress(octet: number): string;
  close(): void;
}

const TAG = process.pid.toString(36).padStart(5, '0');
const NS_PATTERN = /^swy-([0-9a-z]{5})-/;
const LINK_PATTERN = /^sw[bv]([0-9a-z]{5})/;

function ip(args: string[], quiet = false): string {
  try {
    return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    if (quiet) return '';
    throw new Error(`ip ${args.join(' ')}: ${(err as { stderr?: string }).stderr?.trim() || (err as Error).message}`);
  }
}

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (err) { return (err as NodeJS.ErrnoException).code === 'EPERM'; }
}

/** Kills what runs inside `ns` (processes a test started there), then deletes the namespace. */
function removeNamespace(ns: string): void {
  for (const line of ip(['netns', 'pids', ns], true).split('\n')) {
    const pid = Number(line.trim());
    if (pid > 0) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
  }
  ip(['netns', 'del', ns], true);
}

/** Namespaces and links of runs whose process is gone. */
function sweepAbandoned(): void {
  for (const line of ip(['netns', 'list'], true).split('\n')) {
    const ns = line.trim().split(' ')[0];
    const m = NS_PATTERN.exec(ns);
    if (m && !alive(parseInt(m[1], 36))) removeNamespace(ns);
  }
  for (const line of ip(['-o', 'link', 'show'], true).split('\n')) {
    const name = /^\d+:\s+([^:@\s]+)/.exec(line)?.[1] ?? '';
    const m = LINK_PATTERN.exec(name);
    if (m && !alive(parseInt(m[1], 36))) ip(['link', 'del', name], true);
  }
}

/** A /24 of 198.18.0.0/15 that no root-namespace interface uses now. */
function freeSubnet(): string {
  const used = new Set([...ip(['-o', '-4', 'addr', 'show']).matchAll(/inet (198\.1[89]\.\d+)\./g)].map((m) => m[1]));
  for (let tries = 0; tries < 100; tries++) {
    const prefix = `198.${18 + Math.floor(Math.random() * 2)}.${Math.floor(Math.random() * 256)}`;
    if (!used.has(prefix)) return prefix;
  }
  throw new Error('no free /24 in 198.18.0.0/15');
}

/** Whether this machine lets the test make namespaces (root, iproute2). */
export function netnsAvailable(): boolean {
  if (process.getuid?.() !== 0) return false;
  try { execFileSync('ip', ['-V'], { stdio: 'ignore' }); return true; } catch { return false; }
}

/** `hosts` namespaces at 198.18.x.10, .11, …; the bridge at .1 with `rootAddresses` (octets) beside it. */
export function createNetnsLab(o: { hosts: number; rootAddresses?: number[] }): NetnsLab {
  sweepAbandoned();
  const prefix = freeSubnet();
  const rand = Math.random().toString(36).slice(2, 5).padEnd(3, '0');
  const bridge = `swb${TAG}${rand}`;
  const hosts: NetnsHost[] = [];
  const links: string[] = [];
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    process.off('exit', close);
    for (const h of hosts) removeNamespace(h.ns);
    for (const l of links) ip(['link', 'del', l], true);
    ip(['link', 'del', bridge], true);
  };
  process.on('exit', close);
  try {
    ip(['link', 'add', bridge, 'type', 'bridge']);
    links.push(bridge);
    ip(['addr', 'add', `${prefix}.1/24`, 'dev', bridge]);
    for (const octet of o.rootAddresses ?? []) ip(['addr', 'add', `${prefix}.${octet}/24`, 'dev', bridge]);
    ip(['link', 'set', bridge, 'up']);
    for (let i = 0; i < o.hosts; i++) {
      const ns = `swy-${TAG}-${rand}-${i}`;
      const outer = `swv${TAG}${rand}${i}`;
      ip(['netns', 'add', ns]);
      const host = { ns, address: `${prefix}.${10 + i}` };
      hosts.push(host);
      ip(['link', 'add', outer, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
      links.push(outer);
      ip(['link', 'set', outer, 'master', bridge]);
      ip(['link', 'set', outer, 'up']);
      ip(['-n', ns, 'link', 'set', 'lo', 'up']);
      ip(['-n', ns, 'addr', 'add', `${host.address}/24`, 'dev', 'eth0']);
      ip(['-n', ns, 'link', 'set', 'eth0', 'up']);
    }
  } catch (err) {
    close();
    throw err;
  }
  return {
    bridgeAddress: `${prefix}.1`,
    hosts,
    rootAddress(octet) {
      if (!(o.rootAddresses ?? []).includes(octet) && octet !== 1) throw new Error(`198.18 root address .${octet} was not asked for`);
      return `${prefix}.${octet}`;
    },
    close,
  };
}
