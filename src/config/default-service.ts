// SetDefaults_Service (k8s pkg/apis/core/v1/defaults.go), in the order spec §1.2 lists, plus the
// create-time clusterIP/clusterIPs normalisation of the registry strategy (NormalizeClusterIPs),
// which upstream also runs before validation. Pure; mutates its argument. Any thread.
import { DEFAULT_CLIENT_IP_AFFINITY_SECONDS } from '../model/session-affinity.ts';
import type { Service } from '../model/types.ts';

/** ExternallyAccessible (k8s pkg/api/service/util.go): LoadBalancer, NodePort, or ClusterIP with externalIPs. */
export function externallyAccessible(svc: Service): boolean {
  const t = svc.spec.type;
  return t === 'LoadBalancer' || t === 'NodePort' || (t === 'ClusterIP' && (svc.spec.externalIPs?.length ?? 0) > 0);
}

/** NeedsHealthCheck: LoadBalancer with externalTrafficPolicy Local. */
export function needsHealthCheck(svc: Service): boolean {
  return svc.spec.type === 'LoadBalancer' && svc.spec.externalTrafficPolicy === 'Local';
}

export function isHeadless(svc: Service): boolean {
  const ips = svc.spec.clusterIPs;
  return ips?.length === 1 && ips[0] === 'None';
}

export function defaultService(svc: Service): Service {
  const spec = svc.spec;
  if (!spec.sessionAffinity) spec.sessionAffinity = 'None';
  if (spec.sessionAffinity === 'None') {
    delete spec.sessionAffinityConfig;
  } else if (spec.sessionAffinity === 'ClientIP') {
    if (spec.sessionAffinityConfig?.clientIP?.timeoutSeconds === undefined) {
      spec.sessionAffinityConfig = { clientIP: { timeoutSeconds: DEFAULT_CLIENT_IP_AFFINITY_SECONDS } };
    }
  }
  if (!spec.type) spec.type = 'ClusterIP';
  for (const p of spec.ports ?? []) {
    if (!p.protocol) p.protocol = 'TCP';
    // Go's zero-valued port makes the defaulted targetPort 0 too, which validation then reports.
    if (p.targetPort === undefined || p.targetPort === 0 || p.targetPort === '') p.targetPort = p.port ?? 0;
  }
  if (externallyAccessible(svc) && !spec.externalTrafficPolicy) spec.externalTrafficPolicy = 'Cluster';
  if (spec.internalTrafficPolicy === undefined
    && (spec.type === 'NodePort' || spec.type === 'LoadBalancer' || spec.type === 'ClusterIP')) {
    spec.internalTrafficPolicy = 'Cluster';
  }
  if (spec.type === 'LoadBalancer') {
    if (spec.allocateLoadBalancerNodePorts === undefined) spec.allocateLoadBalancerNodePorts = true;
    for (const ing of svc.status?.loadBalancer?.ingress ?? []) {
      if (ing.ip && ing.ipMode === undefined) ing.ipMode = 'VIP';
    }
  }
  return svc;
}

/** On create, a client that set only the singular `clusterIP` gets `clusterIPs = [clusterIP]`. */
export function normalizeClusterIPsOnCreate(svc: Service): Service {
  const spec = svc.spec;
  if (spec.clusterIP && (spec.clusterIPs?.length ?? 0) === 0) spec.clusterIPs = [spec.clusterIP];
  return svc;
}
