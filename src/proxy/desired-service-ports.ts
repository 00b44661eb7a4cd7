// What one Service asks the data plane to carry, as data: per Service port it proxies, its key,
// label and the endpoints with their weights and names. Main thread, pure (Pods come through a
// lookup), so the data-plane sync's step from objects to snapshots is unit-tested without a pool.
import type { DesiredEndpoint } from './endpoint-slots.ts';
import { joinHostPort } from '../model/ip-address.ts';
import { portKey, servicePortEndpoints } from '../model/service-port-endpoints.ts';
import type { EndpointSlice, Pod, Service, ServicePort } from '../model/types.ts';
import { weightFromAnnotations } from './service-port-options.ts';

export interface DesiredServicePort {
  port: ServicePort;
  /** portKey: the port's identity across edits (`name/PROTOCOL`). */
  key: string;
  protocol: 'TCP' | 'UDP';
  /** `portName-or-number/PROTOCOL`, as the status page and /metrics name it. */
  label: string;
  endpoints: DesiredEndpoint[];
}

/** SCTP ports are left out: validation accepts them, switchyard does not carry them. */
export function desiredServicePorts(service: Service, slices: EndpointSlice[], pod: (namespace: string, name: string) => Pod | undefined): DesiredServicePort[] {
  const byPort = servicePortEndpoints(service, slices);
  const out: DesiredServicePort[] = [];
  for (const port of service.spec.ports ?? []) {
    if ((port.protocol ?? 'TCP') === 'SCTP') continue;
    const key = portKey(port);
    const endpoints = (byPort.get(key) ?? []).map((ep): DesiredEndpoint => {
      const p = ep.targetRef?.kind === 'Pod' && ep.targetRef.name
        ? pod(ep.targetRef.namespace ?? service.metadata.namespace!, ep.targetRef.name) : undefined;
      return {
        ip: ep.ip, port: ep.port, ready: ep.ready, serving: ep.serving, terminating: ep.terminating,
        weight: weightFromAnnotations(p?.metadata.annotations),
        name: p ? `${p.metadata.namespace}/${p.metadata.name}` : joinHostPort(ep.ip, ep.port),
      };
    });
    const protocol = port.protocol === 'UDP' ? 'UDP' : 'TCP';
    out.push({ port, key, protocol, label: `${port.name || port.port}/${protocol}`, endpoints });
  }
  return out;
}
