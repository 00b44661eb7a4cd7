// Where `switchyard bench` sends its load: the Service port (by name or number), the address that
// reaches it from here (the ClusterIP, else the NodePort on 127.0.0.1), and the port's endpoints
// from the EndpointSlices labelled kubernetes.io/service-name. Runs in the CLI process.
import net from 'node:net';
import { joinHostPort } from '../../model/ip-address.ts';
import type { EndpointSlice, Service, ServicePort } from '../../model/types.ts';
import { resourcePath, type AdminClient } from '../admin-client.ts';
import { CliError } from '../cli-error.ts';

const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
const REACH_TIMEOUT_MS = 1000;

export interface BenchEndpoint {
  ip: string;
  port: number;
  ready: boolean;
  pod?: string;
}

export interface BenchTarget {
  /** `namespace/name`. */
  service: string;
  servicePort: ServicePort;
  host: string;
  port: number;
  via: 'ClusterIP' | 'NodePort';
  endpoints: BenchEndpoint[];
}


/** The Service port to load: the one named or numbered, or the only one. */
export function selectServicePort(svc: Service, wanted: string | number | undefined): ServicePort {
  const ports = svc.spec.ports ?? [];
  const name = `${svc.metadata.namespace ?? 'default'}/${svc.metadata.name}`;
  const list = ports.map((p) => (p.name ? `${p.name} (${p.port})` : String(p.port))).join(', ');
  let found: ServicePort | undefined;
  if (wanted === undefined) {
    if (ports.length !== 1) throw new CliError('SY_BENCH_PORT', `the Service ${name} has ${ports.length} ports (${list}); choose one with --port NAME|NUMBER`);
    found = ports[0];
  } else {
    found = ports.find((p) => (typeof wanted === 'number' ? p.port === wanted : p.name === wanted));
    if (!found) throw new CliError('SY_BENCH_PORT', `the Service ${name} has no port ${JSON.stringify(wanted)}; its ports are ${list || 'none'}`);
  }
  if ((found.protocol ?? 'TCP') !== 'TCP') {
    throw new CliError('SY_BENCH_PROTOCOL', `the port ${found.name ?? found.port} of ${name} is ${found.protocol}; bench loads TCP ports only`);
  }
  return found;
}

/** The endpoints of one Service port across its slices, deduplicated, in slice order. */
export function endpointsFromSlices(slices: EndpointSlice[], portName: string | undefined): BenchEndpoint[] {
  const seen = new Map<string, BenchEndpoint>();
  for (const slice of slices) {
    const port = (slice.ports ?? []).find((p) => (p.name ?? '') === (portName ?? '') && (p.protocol ?? 'TCP') === 'TCP')?.port;
    if (port === undefined) continue;
    for (const e of slice.endpoints ?? []) {
      const ip = e.addresses[0];
      if (!ip) continue;
      const key = joinHostPort(ip, port);
      // An unset ready condition means ready (EndpointConditions in the Kubernetes API).
      const ready = e.conditions?.ready !== false;
      const pod = e.targetRef?.kind === 'Pod' ? e.targetRef.name : undefined;
      const prev = seen.get(key);
      if (!prev) seen.set(key, { ip, port, ready, pod });
      else prev.ready ||= ready;
    }
  }
  return [...seen.values()];
}

/** Whether a TCP connection to host:port opens within the timeout (closed at once). */
function tcpReachable(host: string, port: number, timeoutMs = REACH_TIMEOUT_MS): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    const done = (ok: boolean): void => { clearTimeout(timer); s.destroy(); resolve(ok); };
    const timer = setTimeout(() => done(false), timeoutMs);
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

export async function resolveBenchTarget(client: AdminClient, namespace: string, name: string, wantedPort: string | number | undefined): Promise<BenchTarget> {
  const svc = (await client.call('GET', resourcePath('Service', namespace, name))).body as Service;
  const key = `${namespace}/${name}`;
  if (svc.spec.type === 'ExternalName') throw new CliError('SY_BENCH_TARGET', `the Service ${key} is an ExternalName (a DNS alias); switchyard does not proxy it, so there is nothing to bench`);
  const clusterIP = svc.spec.clusterIP;
  if (!clusterIP || clusterIP === 'None') throw new CliError('SY_BENCH_TARGET', `the Service ${key} is headless (clusterIP: None); switchyard does not balance it — bench a Service with a ClusterIP`);
  const servicePort = selectServicePort(svc, wantedPort);
  const res = await client.call('GET', resourcePath('EndpointSlice', namespace), undefined, { labelSelector: `${SERVICE_NAME_LABEL}=${name}` });
  const slices = ((res.body as { items?: EndpointSlice[] }).items ?? []).filter((s) => s.metadata.labels?.[SERVICE_NAME_LABEL] === name);
  const endpoints = endpointsFromSlices(slices, servicePort.name);
  if (!endpoints.some((e) => e.ready)) {
    throw new CliError('SY_BENCH_NO_ENDPOINTS', `the Service ${key} has no ready endpoints on port ${servicePort.name ?? servicePort.port}; check its selector and Pods with \`switchyard describe svc ${name} -n ${namespace}\``);
  }
  if (await tcpReachable(clusterIP, servicePort.port)) {
    return { service: key, servicePort, host: clusterIP, port: servicePort.port, via: 'ClusterIP', endpoints };
  }
  if (servicePort.nodePort && await tcpReachable('127.0.0.1', servicePort.nodePort)) {
    return { service: key, servicePort, host: '127.0.0.1', port: servicePort.nodePort, via: 'NodePort', endpoints };
  }
  const tried = `${joinHostPort(clusterIP, servicePort.port)}${servicePort.nodePort ? ` and 127.0.0.1:${servicePort.nodePort}` : ''}`;
  throw new CliError('SY_BENCH_UNREACHABLE', `cannot connect to the Service ${key} at ${tried}; is the server's data plane listening (see \`switchyard describe svc ${name}\`)?`);
}
