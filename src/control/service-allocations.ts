// The registry's allocation step for a Service: keep what the stored version already holds (a
// re-applied manifest that leaves clusterIP/nodePort empty must never get new ones, as with
// kubectl apply's three-way merge), then reserve the rest from the ClusterIP and NodePort
// allocators. Main thread only, inside the registry's serialized apply queue.
import type { FieldError } from '../model/field-errors.ts';
import { invalid } from '../model/field-errors.ts';
import { invalidError } from '../model/api-error.ts';
import type { Service } from '../model/types.ts';
import type { ClusterIpAllocator } from './cluster-ip-allocator.ts';
import { assignNodePorts, heldNodePorts, type NodePortAllocator } from './node-port-allocator.ts';

/** A reservation made for one apply: undo() if it fails, settle() once it is committed. */
export interface ServiceAllocation {
  undo(): void;
  settle(): void;
}

/** The ClusterIP a Service holds in the allocator: none for ExternalName and headless. */
export function heldClusterIp(svc: Service | undefined): string | undefined {
  if (!svc || svc.spec.type === 'ExternalName') return undefined;
  const ip = svc.spec.clusterIPs?.[0] ?? svc.spec.clusterIP;
  return ip && ip !== 'None' ? ip : undefined;
}

/**
 * Copies server-assigned fields from `prev` into `next` where the manifest leaves them out:
 * clusterIP(s), ipFamilies, ipFamilyPolicy, each port's nodePort (matched by port number and
 * protocol, the key kubectl merges ports by) and healthCheckNodePort. Mutates `next`.
 */
export function keepAllocations(next: Service, prev: Service): void {
  const n = next.spec;
  const p = prev.spec;
  if (n.type !== 'ExternalName' && p.type !== 'ExternalName') {
    if (!n.clusterIP && !(n.clusterIPs?.length) && p.clusterIP) {
      n.clusterIP = p.clusterIP;
      if (p.clusterIPs) n.clusterIPs = [...p.clusterIPs];
    }
    if (!n.ipFamilies && p.ipFamilies) n.ipFamilies = [...p.ipFamilies];
    if (!n.ipFamilyPolicy && p.ipFamilyPolicy) n.ipFamilyPolicy = p.ipFamilyPolicy;
  }
  if (n.type === 'NodePort' || n.type === 'LoadBalancer') {
    for (const port of n.ports ?? []) {
      if (port.nodePort) continue;
      const old = p.ports?.find((o) => o.port === port.port && (o.protocol ?? 'TCP') === (port.protocol ?? 'TCP'));
      if (old?.nodePort) port.nodePort = old.nodePort;
    }
  }
  if (n.type === 'LoadBalancer' && n.externalTrafficPolicy === 'Local' && !n.healthCheckNodePort && p.healthCheckNodePort) {
    n.healthCheckNodePort = p.healthCheckNodePort;
  }
}

/** Single-stack cluster: families and a secondary IP the allocator cannot serve are refused like upstream. */
function familyErrors(svc: Service, family: 'IPv4' | 'IPv6'): FieldError[] {
  const s = svc.spec;
  if (s.type === 'ExternalName') return [];
  const errs: FieldError[] = [];
  if (s.ipFamilyPolicy === 'RequireDualStack') {
    errs.push(invalid('spec.ipFamilyPolicy', s.ipFamilyPolicy, 'this cluster is not configured for dual-stack services'));
  }
  (s.ipFamilies ?? []).forEach((f, i) => {
    if (f !== family && !(i > 0 && s.ipFamilyPolicy === 'PreferDualStack')) {
      errs.push(invalid(`spec.ipFamilies[${i}]`, f, 'not configured on this cluster'));
    }
  });
  if ((s.clusterIPs?.length ?? 0) > 1) {
    errs.push(invalid('spec.clusterIPs[1]', s.clusterIPs, `${family === 'IPv4' ? 'IPv6' : 'IPv4'} is not configured on this cluster`));
  }
  return errs;
}

/**
 * Reserves `next`'s ClusterIP and NodePorts (filling in the automatic ones), given `prev`, the
 * stored version of the same Service, if any. Throws ApiError 422 (requested address/port out of
 * range or taken) or 500 (range full) with nothing left reserved.
 */
export function allocateService(ips: ClusterIpAllocator, ports: NodePortAllocator, next: Service, prev: Service | undefined): ServiceAllocation {
  const name = next.metadata.name ?? '';
  const s = next.spec;
  const famErrs = familyErrors(next, ips.family);
  if (famErrs.length) throw invalidError('Service', name, famErrs);
  if (s.type !== 'ExternalName') {
    s.ipFamilyPolicy ??= 'SingleStack';
    // PreferDualStack on a single-stack cluster gets the one family there is.
    s.ipFamilies = [ips.family];
  }

  const prevIp = heldClusterIp(prev);
  let takenIp: string | undefined;
  if (s.type !== 'ExternalName' && s.clusterIPs?.[0] !== 'None') {
    const wanted = s.clusterIPs?.[0] ?? s.clusterIP;
    if (!wanted) {
      takenIp = ips.allocateNext();
      s.clusterIP = takenIp;
      s.clusterIPs = [takenIp];
    } else if (wanted !== prevIp) {
      const err = ips.allocate(wanted, 'spec.clusterIPs[0]');
      if (err) throw invalidError('Service', name, [err]);
      takenIp = wanted;
    }
  }
  let assigned;
  try {
    assigned = assignNodePorts(ports, next, prev);
  } catch (err) {
    if (takenIp) ips.release(takenIp);
    throw err;
  }
  if (Array.isArray(assigned)) {
    if (takenIp) ips.release(takenIp);
    throw invalidError('Service', name, assigned);
  }
  const nodePorts = assigned;
  const nextIp = heldClusterIp(next);
  return {
    undo() {
      if (takenIp) ips.release(takenIp);
      for (const p of nodePorts.taken) ports.release(p);
    },
    settle() {
      if (prevIp && prevIp !== nextIp) ips.release(prevIp);
      for (const p of nodePorts.toRelease) ports.release(p);
    },
  };
}

/** Frees everything a stored Service holds (on delete). */
export function releaseService(ips: ClusterIpAllocator, ports: NodePortAllocator, svc: Service): void {
  const ip = heldClusterIp(svc);
  if (ip) ips.release(ip);
  for (const p of heldNodePorts(svc)) ports.release(p);
}

/**
 * Marks taken what a Service another instance stored holds (restored or followed), so automatic
 * allocation never offers it. Taken already is fine: this instance may have lost the claim race.
 */
export function reserveHeld(ips: ClusterIpAllocator, ports: NodePortAllocator, svc: Service): void {
  const ip = heldClusterIp(svc);
  if (ip) ips.allocate(ip);
  for (const p of heldNodePorts(svc)) ports.allocate(p);
}
