// The built-in `kube-system/kube-dns` Service: the address Pods would be given as their nameserver,
// answered by switchyard's own DNS responder (src/dns), never proxied. The server keeps it as
// desired (like the addon manager's Reconcile mode); the data plane recognises it by namespace,
// name and annotation, so a user's own kube-dns (with --dns off, say, fronting a real CoreDNS) is
// proxied like any other Service. Pure; any thread.
import type { Service } from './types.ts';

export const KUBE_DNS_NAMESPACE = 'kube-system';
export const KUBE_DNS_NAME = 'kube-dns';
/** Marks the Service as answered by the responder; its value is the responder's cluster domain. */
export const ANNOTATION_DNS_RESPONDER = 'switchyard.io/dns-responder-zone';
/** The address kube-dns takes in the service CIDR, as in most clusters (10.96.0.10 for 10.96.0.0/12). */
export const KUBE_DNS_OFFSET = 10n;

export function isKubeDnsService(svc: Service): boolean {
  return svc.metadata.namespace === KUBE_DNS_NAMESPACE && svc.metadata.name === KUBE_DNS_NAME
    && svc.metadata.annotations?.[ANNOTATION_DNS_RESPONDER] !== undefined;
}

export interface KubeDnsServiceSpec {
  clusterIP: string;
  /** Responder addresses outside the service CIDR (--dns ADDR elsewhere). */
  externalIPs: string[];
  port: number;
  zone: string;
}

/** The manifest the server applies: `53/UDP dns` and `53/TCP dns-tcp`, no selector, no endpoints. */
export function kubeDnsService(s: KubeDnsServiceSpec): Service {
  const svc: Service = {
    apiVersion: 'v1', kind: 'Service',
    metadata: {
      name: KUBE_DNS_NAME, namespace: KUBE_DNS_NAMESPACE,
      labels: {
        'k8s-app': 'kube-dns', 'kubernetes.io/cluster-service': 'true', 'kubernetes.io/name': 'KubeDNS',
        'addonmanager.kubernetes.io/mode': 'Reconcile', 'app.kubernetes.io/managed-by': 'switchyard',
      },
      annotations: { [ANNOTATION_DNS_RESPONDER]: s.zone },
    },
    spec: {
      type: 'ClusterIP', clusterIP: s.clusterIP, clusterIPs: [s.clusterIP],
      ports: [
        { name: 'dns', port: s.port, protocol: 'UDP', targetPort: s.port },
        { name: 'dns-tcp', port: s.port, protocol: 'TCP', targetPort: s.port },
      ],
    },
  };
  if (s.externalIPs.length) svc.spec.externalIPs = [...s.externalIPs];
  return svc;
}
