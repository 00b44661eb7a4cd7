// Object builders shared by the model-*.test.ts files.
import type { Container, Pod, Service, ServicePort } from '../../src/model/types.ts';

export interface PodOpts {
  ns?: string;
  labels?: Record<string, string>;
  ip?: string;
  ips?: string[];
  ready?: boolean;
  phase?: 'Pending' | 'Running' | 'Succeeded' | 'Failed';
  deleting?: boolean;
  containers?: Container[];
  hostname?: string;
  subdomain?: string;
  nodeName?: string;
  uid?: string;
}

export function pod(name: string, o: PodOpts = {}): Pod {
  const p: Pod = {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name, namespace: o.ns ?? 'default', labels: o.labels ?? { app: 'web' }, uid: o.uid ?? `uid-${name}` },
    spec: { containers: o.containers ?? [{ name: 'c', ports: [{ name: 'http', containerPort: 8080 }] }] },
    status: { phase: o.phase ?? 'Running' },
  };
  if (o.ip !== undefined) p.status!.podIP = o.ip;
  if (o.ips) p.status!.podIPs = o.ips.map((ip) => ({ ip }));
  if (o.ready !== undefined) p.status!.conditions = [{ type: 'Ready', status: o.ready ? 'True' : 'False' }];
  if (o.deleting) p.metadata.deletionTimestamp = '2026-01-01T00:00:00Z';
  if (o.hostname) p.spec.hostname = o.hostname;
  if (o.subdomain) p.spec.subdomain = o.subdomain;
  if (o.nodeName) p.spec.nodeName = o.nodeName;
  return p;
}

export function service(name: string, spec: Partial<Service['spec']> = {}, meta: Partial<Service['metadata']> = {}): Service {
  const ports: ServicePort[] = spec.ports ?? [{ port: 80, protocol: 'TCP', targetPort: 8080 }];
  return {
    apiVersion: 'v1', kind: 'Service',
    metadata: { name, namespace: 'default', ...meta },
    spec: { type: 'ClusterIP', clusterIP: '10.96.0.10', selector: { app: 'web' }, ...spec, ports },
  };
}
