// One running Docker container as a Pod (what `docker inspect` says, mapped onto the Kubernetes
// model so that ordinary Services select it). Pure; main thread.
//
//   name         given by the caller (docker-pod-names.ts)
//   labels       the container's labels that are valid Kubernetes labels; the others (compose's
//                64-character config-hash, values with `/`) become annotations, and a key that is
//                not even a valid annotation key is left out and reported
//   annotations  the container's id and name, and which source owns the Pod
//   ports        one container port per exposed or published port, with its protocol
//   address      `network`: the IP on --docker-network (else the first network by name), as when
//                switchyard runs inside the compose network; `published`: the host address and
//                port each container port is published on (0.0.0.0 read as 127.0.0.1), marked
//                with ANNOTATION_HOST_PORTS so that `targetPort: 80` still means container port 80
//   readiness    Ready while running, or, with a HEALTHCHECK, only while `healthy`; the label
//                switchyard.io/readiness-probe (JSON of a Kubernetes probe) adds a readinessProbe
import { isQualifiedName, isValidLabelValue } from '../config/name-formats.ts';
import { ANNOTATION_HOST_PORTS } from '../model/find-port.ts';
import { isIPv6String } from '../model/ip-address.ts';
import type { ContainerPort, Pod, PodCondition, Probe, Protocol } from '../model/types.ts';
import type { ContainerInspect, PortBinding } from './docker-engine-types.ts';
import { podNameFor } from './docker-pod-names.ts';

export const DOCKER_SOURCE = 'docker';
export const ANNOTATION_DISCOVERED_BY = 'switchyard.io/discovered-by';
export const ANNOTATION_CONTAINER_ID = 'switchyard.io/docker-container-id';
export const ANNOTATION_CONTAINER_NAME = 'switchyard.io/docker-container-name';
export const LABEL_READINESS_PROBE = 'switchyard.io/readiness-probe';
const COMPOSE_SERVICE = 'com.docker.compose.service';

export type DockerAddressMode = 'network' | 'published';

export interface DockerPodOptions {
  namespace: string;
  addressMode: DockerAddressMode;
  /** Network mode: the network whose IP is the Pod's address (default: the first by name). */
  network?: string;
}

/** A Pod, with what could not be mapped; or why the container is no backend at all. */
export type ContainerPod = { pod: Pod; problems: string[] } | { skipped: string };

const PROTOCOLS: Record<string, Protocol> = { tcp: 'TCP', udp: 'UDP', sctp: 'SCTP' };

export const containerName = (c: ContainerInspect) => (c.Name ?? '').replace(/^\//, '') || c.Id.slice(0, 12);

/** A container id as a UID: the first 32 hex digits in UUID form (stable for the container's life). */
export function containerUid(id: string): string {
  const h = id.toLowerCase().padEnd(32, '0');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

function secondsRfc3339(t: string | undefined): string | undefined {
  const ms = t ? Date.parse(t) : NaN;
  return Number.isFinite(ms) && ms > 0 ? new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z') : undefined;
}

/** `80/tcp` → port and protocol; undefined for anything else. */
function parsePortKey(key: string): { port: number; protocol: Protocol } | undefined {
  const m = /^(\d{1,5})(?:\/([a-z]+))?$/.exec(key.toLowerCase());
  const port = m ? Number(m[1]) : 0;
  const protocol = PROTOCOLS[m?.[2] ?? 'tcp'];
  return port >= 1 && port <= 65535 && protocol ? { port, protocol } : undefined;
}

/** Where a published port is reached from this host: a wildcard bind answers on loopback. */
function reachableAt(b: PortBinding): string {
  const ip = b.HostIp ?? '';
  if (ip === '' || ip === '0.0.0.0') return '127.0.0.1';
  if (ip === '::') return '::1';
  return ip;
}

function covers(b: PortBinding, podIP: string): boolean {
  const ip = b.HostIp ?? '';
  if (ip === '' || ip === '0.0.0.0') return !isIPv6String(podIP);
  if (ip === '::') return isIPv6String(podIP);
  return reachableAt(b) === podIP;
}

function splitLabels(all: Record<string, string>, problems: string[]): { labels: Record<string, string>; annotations: Record<string, string> } {
  const labels: Record<string, string> = {};
  const annotations: Record<string, string> = {};
  for (const key of Object.keys(all).sort()) {
    const value = all[key];
    if (isQualifiedName(key).length === 0 && isValidLabelValue(value).length === 0) labels[key] = value;
    else if (isQualifiedName(key.toLowerCase()).length === 0) annotations[key] = value;
    else problems.push(`label ${JSON.stringify(key)} is neither a valid Kubernetes label nor annotation key; it is left out (Services cannot select it)`);
  }
  return { labels, annotations };
}

function readiness(c: ContainerInspect): PodCondition {
  if (c.State?.Paused) return { type: 'Ready', status: 'False', reason: 'ContainerPaused', message: 'the container is paused' };
  const test = c.Config?.Healthcheck?.Test ?? [];
  if (test.length === 0 || test[0] === 'NONE') return { type: 'Ready', status: 'True', reason: 'ContainerRunning' };
  const health = c.State?.Health?.Status || 'starting';
  if (health === 'healthy') return { type: 'Ready', status: 'True', reason: 'ContainerHealthy' };
  return { type: 'Ready', status: 'False', reason: health === 'starting' ? 'HealthcheckStarting' : 'ContainerUnhealthy', message: `the container's HEALTHCHECK reports ${health}` };
}

/** The probe label, its ports moved to the published host ports in published mode. */
function probeFromLabel(text: string, ports: ContainerPort[], published: boolean): Probe | string {
  let probe: unknown;
  try { probe = JSON.parse(text); } catch (err) { return `label ${LABEL_READINESS_PROBE} is not JSON (${(err as Error).message}); give a Kubernetes probe such as {"httpGet": {"path": "/", "port": 80}}`; }
  if (typeof probe !== 'object' || probe === null || Array.isArray(probe)) return `label ${LABEL_READINESS_PROBE} must be a JSON object (a Kubernetes probe such as {"tcpSocket": {"port": 80}})`;
  const p = probe as Probe;
  if (!published) return p;
  for (const handler of [p.tcpSocket, p.httpGet]) {
    if (!handler || handler.host || typeof handler.port !== 'number') continue;
    const hostPort = ports.find((cp) => cp.containerPort === handler.port && cp.protocol === 'TCP')?.hostPort;
    if (hostPort === undefined) return `label ${LABEL_READINESS_PROBE} probes port ${handler.port}, which the container does not publish; publish it or probe a published port`;
    handler.port = hostPort;
  }
  return p;
}

/** The address of the Pod (network mode), or why there is none. */
function networkAddress(c: ContainerInspect, o: DockerPodOptions): string[] | string {
  const networks = c.NetworkSettings?.Networks ?? {};
  const names = Object.keys(networks).sort();
  const name = o.network ?? names[0];
  if (name === undefined) return `it is on no network (network mode ${c.HostConfig?.NetworkMode || 'unknown'}); attach it to one or use --docker-address published`;
  const net = networks[name];
  if (!net) return `it is not on network ${name} (--docker-network); it is on ${names.join(', ') || 'none'}`;
  const ips = [net.IPAddress, net.GlobalIPv6Address].filter((ip): ip is string => !!ip);
  return ips.length > 0 ? ips : `it has no IP address on network ${name}`;
}

export function containerToPod(c: ContainerInspect, name: string, o: DockerPodOptions): ContainerPod {
  const problems: string[] = [];
  const { labels, annotations } = splitLabels(c.Config?.Labels ?? {}, problems);
  annotations[ANNOTATION_DISCOVERED_BY] = DOCKER_SOURCE;
  annotations[ANNOTATION_CONTAINER_ID] = c.Id;
  annotations[ANNOTATION_CONTAINER_NAME] = containerName(c);

  const ports = new Map<string, ContainerPort>();
  const bindings = c.NetworkSettings?.Ports ?? {};
  for (const key of [...Object.keys(c.Config?.ExposedPorts ?? {}), ...Object.keys(bindings)]) {
    const parsed = parsePortKey(key);
    if (!parsed) { problems.push(`port ${JSON.stringify(key)} is not a port/protocol pair; it is left out`); continue; }
    ports.set(`${parsed.port}/${parsed.protocol}`, { containerPort: parsed.port, protocol: parsed.protocol });
  }
  const sorted = [...ports.values()].sort((a, b) => a.containerPort - b.containerPort || (a.protocol! < b.protocol! ? -1 : 1));
  const bindingsOf = (p: ContainerPort) => bindings[`${p.containerPort}/${p.protocol!.toLowerCase()}`] ?? [];

  let podIPs: string[];
  const hostNetwork = c.HostConfig?.NetworkMode === 'host';
  if (hostNetwork) {
    // The container shares the host's network: its ports are the host's, in either mode.
    podIPs = ['127.0.0.1'];
  } else if (o.addressMode === 'network') {
    const address = networkAddress(c, o);
    if (typeof address === 'string') return { skipped: address };
    podIPs = address;
  } else {
    const first = sorted.flatMap(bindingsOf).filter((b) => b.HostPort).map(reachableAt);
    const podIP = first.find((ip) => !isIPv6String(ip)) ?? first[0];
    if (podIP === undefined) return { skipped: 'it publishes no port; publish one (ports: ["127.0.0.1::80"]) or use --docker-address network' };
    podIPs = [podIP];
    annotations[ANNOTATION_HOST_PORTS] = 'true';
    for (const p of sorted) {
      const b = bindingsOf(p).find((x) => x.HostPort && covers(x, podIP));
      if (b) { p.hostIP = podIP; p.hostPort = Number(b.HostPort); } else {
        problems.push(`container port ${p.containerPort}/${p.protocol} is not published on ${podIP}; Services cannot reach it in published mode`);
      }
    }
  }

  const container: Pod['spec']['containers'][number] = {
    name: podNameFor(labels[COMPOSE_SERVICE] ?? name),
    image: c.Config?.Image ?? '',
    ports: sorted,
  };
  const probeLabel = c.Config?.Labels?.[LABEL_READINESS_PROBE];
  if (probeLabel !== undefined) {
    const probe = probeFromLabel(probeLabel, sorted, !hostNetwork && o.addressMode === 'published');
    if (typeof probe === 'string') return { skipped: probe };
    container.readinessProbe = probe;
  }

  const pod: Pod = {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name, namespace: o.namespace, labels, annotations, uid: containerUid(c.Id), creationTimestamp: secondsRfc3339(c.Created) },
    spec: { containers: [container] },
    status: { phase: 'Running', podIP: podIPs[0], podIPs: podIPs.map((ip) => ({ ip })), conditions: [readiness(c)] },
  };
  if (!pod.metadata.creationTimestamp) delete pod.metadata.creationTimestamp;
  return { pod, problems };
}
