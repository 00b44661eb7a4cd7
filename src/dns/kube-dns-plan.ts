// Where the built-in DNS responder lives, from --service-cidr and --dns: by default `.10` of the
// service CIDR, port 53; `--dns IP[:PORT]` inside the CIDR moves the ClusterIP, outside it adds the
// address as an external IP beside `.10`; `--dns :PORT` keeps `.10` on another port; `--dns off`
// turns it off. Pure; main thread at start-up.
import { cidrRange, formatIPValue, ipValue } from '../model/ip-address.ts';
import { SyError } from '../model/sy-error.ts';
import { KUBE_DNS_OFFSET } from '../model/kube-dns-service.ts';

export interface KubeDnsPlan {
  clusterIP: string;
  externalIPs: string[];
  port: number;
}

function fail(message: string): never {
  throw new SyError('SY_DNS_ADDRESS', message);
}

/** `.10` of the CIDR, or undefined when the CIDR is too small to have one. */
export function defaultKubeDnsIP(serviceCidr: string): string | undefined {
  const c = cidrRange(serviceCidr);
  if (!c) return undefined;
  const total = 1n << BigInt(c.bits - c.prefix);
  // The network address is never a ClusterIP, nor (IPv4) the broadcast address.
  if (KUBE_DNS_OFFSET >= total - (c.family === 4 ? 1n : 0n)) return undefined;
  return formatIPValue(c.family, c.network + KUBE_DNS_OFFSET);
}

export function inCidr(ip: string, serviceCidr: string): boolean {
  const c = cidrRange(serviceCidr);
  const p = ipValue(ip);
  if (!c || !p || p.family !== c.family) return false;
  const size = 1n << BigInt(c.bits - c.prefix);
  return p.value > c.network && p.value < c.network + size - (c.family === 4 ? 1n : 0n);
}

/**
 * The plan for `--dns` (undefined = the default), or undefined when DNS is off. Throws
 * SY_DNS_ADDRESS with what to write instead when the flag cannot be served.
 */
export function kubeDnsPlan(serviceCidr: string, flag: string | undefined): KubeDnsPlan | undefined {
  if (flag === 'off') return undefined;
  const ten = defaultKubeDnsIP(serviceCidr);
  let ip: string | undefined;
  let port = 53;
  if (flag !== undefined && flag !== '') {
    let host = flag;
    let portText: string | undefined;
    const bracket = /^\[([^\]]+)\](?::(\d*))?$/.exec(flag);
    if (bracket) [host, portText] = [bracket[1], bracket[2]];
    else if (flag.indexOf(':') === flag.lastIndexOf(':') && flag.includes(':')) [host, portText] = flag.split(':');
    else if (flag.startsWith('[')) fail(`--dns ${flag}: expected off, IP, IP:PORT, [IPv6]:PORT or :PORT`);
    if (portText !== undefined && portText !== '') {
      port = /^\d+$/.test(portText) ? Number(portText) : NaN;
      if (!(port >= 1 && port <= 65535)) fail(`--dns ${flag}: the port must be a number between 1 and 65535`);
    }
    if (host) {
      const parsed = ipValue(host);
      if (!parsed) fail(`--dns ${flag}: "${host}" is not an IP address`);
      ip = formatIPValue(parsed.family, parsed.value);
    }
  }
  if (ip && inCidr(ip, serviceCidr)) return { clusterIP: ip, externalIPs: [], port };
  if (!ten) {
    fail(`the service CIDR ${serviceCidr} has no address .10 for kube-dns; give --dns an address inside it, or --dns off`);
  }
  return { clusterIP: ten, externalIPs: ip ? [ip] : [], port };
}
