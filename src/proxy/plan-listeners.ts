// Which listening sockets a Service needs (spec §1.3, §6.7): pure, main thread.
// ClusterIP: clusterIPs × port. NodePort: every node address × nodePort. LoadBalancer: its ingress
// address × port (source ranges apply only there). externalIPs × port. Headless/ExternalName: none,
// and none for the built-in kube-dns, which the DNS responder answers itself.
import type { Service, ServicePort } from '../model/types.ts';
import { isKubeDnsService } from '../model/kube-dns-service.ts';
import type { ListenerSpec } from '../shared/messages.ts';
import { joinHostPort } from '../model/ip-address.ts';

export interface ListenerPlanInput {
  service: Service;
  /** Shared-table index of each Service port, by portKey(). */
  servicePortIndex: (port: ServicePort) => number;
  nodeAddresses: string[];
  /** The address this LoadBalancer Service was given (loadBalancerIP or from the LB address pool), if any. */
  loadBalancerAddress?: string;
}

export { portKey } from '../model/service-port-endpoints.ts';

export function listenerId(address: string, port: number, protocol: string): string {
  return `${joinHostPort(address, port)}/${protocol}`;
}

/** The source ranges of a LoadBalancer Service: the field, else the legacy annotation (spec §1.1). */
export function sourceRanges(service: Service): string[] {
  const field = service.spec.loadBalancerSourceRanges ?? [];
  if (field.length) return field.map((s) => s.trim()).filter(Boolean);
  const ann = service.metadata.annotations?.['service.beta.kubernetes.io/load-balancer-source-ranges'] ?? '';
  return ann.split(',').map((s) => s.trim()).filter(Boolean);
}

export function isProxied(service: Service): boolean {
  const ip = service.spec.clusterIP;
  return service.spec.type !== 'ExternalName' && !!ip && ip !== 'None' && !isKubeDnsService(service);
}

export function planListeners(input: ListenerPlanInput): ListenerSpec[] {
  const { service } = input;
  if (!isProxied(service)) return [];
  const out: ListenerSpec[] = [];
  const add = (address: string, port: number, sp: ServicePort, role: ListenerSpec['role'], ranges: string[]) => {
    const protocol = sp.protocol === 'UDP' ? 'UDP' : 'TCP';
    if ((sp.protocol ?? 'TCP') === 'SCTP') return; // not carried by switchyard; validation accepts it
    const id = listenerId(address, port, protocol);
    if (out.some((l) => l.id === id)) return;
    out.push({ id, address, port, protocol, servicePortIndex: input.servicePortIndex(sp), role, sourceRanges: ranges });
  };
  const type = service.spec.type ?? 'ClusterIP';
  const ranges = sourceRanges(service);
  for (const sp of service.spec.ports ?? []) {
    for (const ip of service.spec.clusterIPs ?? [service.spec.clusterIP!]) add(ip, sp.port, sp, 'clusterIP', []);
    for (const ip of service.spec.externalIPs ?? []) add(ip, sp.port, sp, 'externalIP', []);
    if ((type === 'NodePort' || type === 'LoadBalancer') && sp.nodePort) {
      for (const addr of input.nodeAddresses) add(addr, sp.nodePort, sp, 'nodePort', []);
    }
    if (type === 'LoadBalancer' && input.loadBalancerAddress) add(input.loadBalancerAddress, sp.port, sp, 'loadBalancer', ranges);
  }
  return out;
}
