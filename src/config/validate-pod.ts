// Pod validation for the parts switchyard uses (spec deliberate difference 4): metadata, containers
// with names and ports (validateContainerPorts), readiness probes (validateProbe/validateHandler),
// and the running backend's address `status.podIP`, where loopback is valid. Messages follow
// k8s pkg/apis/core/validation. Pure; any thread.
import type { Container, Pod, Probe } from '../model/types.ts';
import type { FieldError } from '../model/field-errors.ts';
import { duplicate, forbidden, invalid, notSupported, required } from '../model/field-errors.ts';
import { ipFamily, isValidIP, validateNonSpecialIP } from '../model/ip-address.ts';
import { each, isHTTPHeaderName, isValidPortName, isValidPortNum, nameIsDNSSubdomain, validateDNS1123Label } from './name-formats.ts';
import { validateObjectMeta } from './validate-object-meta.ts';
import { validatePortNumOrName, validateProtocol } from './validate-service-ports.ts';

const NON_NEGATIVE = 'must be greater than or equal to 0';
const SCHEMES = ['HTTP', 'HTTPS'];
const CONDITION_STATUSES = ['False', 'True', 'Unknown'];

function validateHandler(p: Probe, path: string): FieldError[] {
  const errs: FieldError[] = [];
  let handlers = 0;
  // Upstream's order: exec, httpGet, tcpSocket, grpc; every handler after the first is Forbidden.
  const take = (name: string, check: () => FieldError[]) => {
    if (handlers > 0) { errs.push(forbidden(`${path}.${name}`, 'may not specify more than 1 handler type')); return; }
    handlers++;
    errs.push(...check());
  };
  if (p.exec) take('exec', () => ((p.exec!.command ?? []).length === 0 ? [required(`${path}.exec.command`)] : []));
  if (p.httpGet) {
    take('httpGet', () => {
      const h = p.httpGet!;
      const hp = `${path}.httpGet`;
      const out: FieldError[] = [];
      if (!h.path) out.push(required(`${hp}.path`));
      out.push(...validatePortNumOrName(h.port ?? 0, `${hp}.port`));
      if (h.scheme !== undefined && !SCHEMES.includes(h.scheme)) out.push(notSupported(`${hp}.scheme`, h.scheme, SCHEMES));
      (h.httpHeaders ?? []).forEach((hdr, i) => {
        out.push(...each(`${hp}.httpHeaders[${i}].name`, hdr.name ?? '', isHTTPHeaderName(hdr.name ?? '')));
      });
      return out;
    });
  }
  if (p.tcpSocket) take('tcpSocket', () => validatePortNumOrName(p.tcpSocket!.port ?? 0, `${path}.tcpSocket.port`));
  const grpc = (p as { grpc?: unknown }).grpc;
  if (grpc) {
    take('grpc', () => [forbidden(`${path}.grpc`, 'grpc probes are not supported by switchyard; use tcpSocket, httpGet or exec')]);
  }
  if (handlers === 0) errs.push(required(path, 'must specify a handler type'));
  return errs;
}

function validateReadinessProbe(p: Probe, path: string): FieldError[] {
  const errs = validateHandler(p, path);
  for (const f of ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold'] as const) {
    const v = p[f];
    if (v !== undefined && v < 0) errs.push(invalid(`${path}.${f}`, v, NON_NEGATIVE));
  }
  const grace = (p as { terminationGracePeriodSeconds?: number }).terminationGracePeriodSeconds;
  if (grace !== undefined) errs.push(invalid(`${path}.terminationGracePeriodSeconds`, grace, 'must not be set for readinessProbes'));
  return errs;
}

function validateContainer(c: Container, path: string, names: Set<string>): FieldError[] {
  const errs: FieldError[] = [];
  if (!c.name) {
    errs.push(required(`${path}.name`));
  } else {
    errs.push(...validateDNS1123Label(c.name, `${path}.name`));
    if (names.has(c.name)) errs.push(duplicate(`${path}.name`, c.name));
    else names.add(c.name);
  }
  const portNames = new Set<string>();
  (c.ports ?? []).forEach((port, i) => {
    const pp = `${path}.ports[${i}]`;
    if (port.name) {
      const msgs = isValidPortName(port.name);
      if (msgs.length) errs.push(...each(`${pp}.name`, port.name, msgs));
      else if (portNames.has(port.name)) errs.push(duplicate(`${pp}.name`, port.name));
      else portNames.add(port.name);
    }
    if (!port.containerPort) errs.push(required(`${pp}.containerPort`));
    else errs.push(...each(`${pp}.containerPort`, port.containerPort, isValidPortNum(port.containerPort)));
    if (port.hostPort) errs.push(...each(`${pp}.hostPort`, port.hostPort, isValidPortNum(port.hostPort)));
    errs.push(...validateProtocol(port.protocol, `${pp}.protocol`));
  });
  if (c.readinessProbe) errs.push(...validateReadinessProbe(c.readinessProbe, `${path}.readinessProbe`));
  return errs;
}

function validatePodIPs(pod: Pod): FieldError[] {
  const errs: FieldError[] = [];
  const ip = pod.status?.podIP;
  if (!ip) {
    errs.push(required('status.podIP', 'switchyard needs the address the running backend listens on'));
  } else {
    const msgs = isValidIP(ip);
    errs.push(...(msgs.length ? each('status.podIP', ip, msgs) : validateNonSpecialIP(ip, 'status.podIP')));
  }
  const list = pod.status?.podIPs ?? [];
  list.forEach((p, i) => {
    const path = `status.podIPs[${i}]`;
    const msgs = isValidIP(p.ip ?? '');
    errs.push(...(msgs.length ? each(path, p.ip ?? '', msgs) : validateNonSpecialIP(p.ip, path)));
  });
  if (list.length > 1) {
    const ips = list.map((p) => p.ip);
    if (list.length > 2 || ipFamily(ips[0]) === ipFamily(ips[1])) {
      errs.push(invalid('status.podIPs', list, 'may specify no more than one IP for each IP family'));
    }
  }
  return errs;
}

export function validatePod(pod: Pod): FieldError[] {
  const errs = validateObjectMeta(pod.metadata, nameIsDNSSubdomain);
  const containers = pod.spec.containers ?? [];
  if (containers.length === 0) errs.push(required('spec.containers'));
  const names = new Set<string>();
  containers.forEach((c, i) => errs.push(...validateContainer(c, `spec.containers[${i}]`, names)));
  (pod.spec.initContainers ?? []).forEach((c, i) => errs.push(...validateContainer(c, `spec.initContainers[${i}]`, names)));
  if (pod.spec.hostname) errs.push(...validateDNS1123Label(pod.spec.hostname, 'spec.hostname'));
  if (pod.spec.subdomain) errs.push(...validateDNS1123Label(pod.spec.subdomain, 'spec.subdomain'));
  errs.push(...validatePodIPs(pod));
  (pod.status?.conditions ?? []).forEach((c, i) => {
    if (!CONDITION_STATUSES.includes(c.status)) errs.push(notSupported(`status.conditions[${i}].status`, c.status ?? '', CONDITION_STATUSES));
  });
  return errs;
}
