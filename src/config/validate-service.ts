// ValidateService (k8s pkg/apis/core/validation/validation.go): every create rule V1–V48 of spec
// §2.3 in upstream order, so a manifest with several faults lists them as kubectl would.
// Expects a defaulted Service (defaultService) whose JSON types were checked (checkShape).
// Pure; any thread.
import { MAX_CLIENT_IP_AFFINITY_SECONDS } from '../model/session-affinity.ts';
import type { Service } from '../model/types.ts';
import type { FieldError } from '../model/field-errors.ts';
import { duplicate, forbidden, invalid, notSupported, required } from '../model/field-errors.ts';
import { externallyAccessible, isHeadless, needsHealthCheck } from './default-service.ts';
import { isValidCIDR, isValidIP, validateNonSpecialIP } from '../model/ip-address.ts';
import { each, isValidPortNum, nameIsDNS1035Label, validateDNS1123Subdomain, validateLabels, validateQualifiedName } from './name-formats.ts';
import { validateClusterIPsRelatedFields } from './validate-cluster-ips.ts';
import { validateObjectMeta } from './validate-object-meta.ts';
import { validateServicePort } from './validate-service-ports.ts';

const AFFINITIES = ['ClientIP', 'None'];
const TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
const TRAFFIC_POLICIES = ['Cluster', 'Local'];
const TOPOLOGY_MODE = 'service.kubernetes.io/topology-mode';
const TOPOLOGY_HINTS = 'service.kubernetes.io/topology-aware-hints';
const SOURCE_RANGES_ANNOTATION = 'service.beta.kubernetes.io/load-balancer-source-ranges';
const ONLY_LB = "may only be used when `type` is 'LoadBalancer'";

function validateClientIPAffinityConfig(svc: Service): FieldError[] {
  const path = 'spec.sessionAffinityConfig';
  const why = 'when session affinity type is ClientIP';
  const cfg = svc.spec.sessionAffinityConfig;
  if (!cfg) return [required(path, why)];
  if (!cfg.clientIP) return [required(`${path}.clientIP`, why)];
  const t = cfg.clientIP.timeoutSeconds;
  if (t === undefined) return [required(`${path}.clientIP.timeoutSeconds`, why)];
  if (t <= 0 || t > MAX_CLIENT_IP_AFFINITY_SECONDS) {
    return [invalid(`${path}.clientIP.timeoutSeconds`, t, `must be greater than 0 and less than ${MAX_CLIENT_IP_AFFINITY_SECONDS}`)];
  }
  return [];
}

function validateSourceRanges(svc: Service): FieldError[] {
  const errs: FieldError[] = [];
  const ranges = svc.spec.loadBalancerSourceRanges ?? [];
  const notLB = svc.spec.type !== 'LoadBalancer';
  const annotation = svc.metadata.annotations?.[SOURCE_RANGES_ANNOTATION];
  if (ranges.length > 0) {
    // The capital L is upstream's (a historical typo kept for compatibility).
    const path = 'spec.LoadBalancerSourceRanges';
    if (notLB) errs.push(forbidden(path, ONLY_LB));
    ranges.forEach((r, i) => {
      const v = r.trim();
      errs.push(...each(`${path}[${i}]`, v, isValidCIDR(v)));
    });
  } else if (annotation !== undefined) {
    const path = `metadata.annotations[${SOURCE_RANGES_ANNOTATION}]`;
    if (notLB) errs.push(forbidden(path, ONLY_LB));
    const val = annotation.trim();
    if (val !== '') {
      for (const part of val.split(',')) {
        const v = part.trim();
        errs.push(...each(path, v, isValidCIDR(v)));
      }
    }
  }
  return errs;
}

export interface ValidateServiceOptions {
  /**
   * Upstream allocates healthCheckNodePort (BeginCreate) before validating; switchyard's registry
   * allocates after prepareObject, so the "missing" case (V46 Required) is left to the second pass.
   */
  beforeAllocation?: boolean;
}

function validateTrafficPolicies(svc: Service, opts: ValidateServiceOptions): FieldError[] {
  const errs: FieldError[] = [];
  const spec = svc.spec;
  const etp = spec.externalTrafficPolicy;
  if (!externallyAccessible(svc)) {
    if (etp) errs.push(invalid('spec.externalTrafficPolicy', etp, 'may only be set for externally-accessible services'));
  } else if (!etp) {
    errs.push(required('spec.externalTrafficPolicy'));
  } else if (!TRAFFIC_POLICIES.includes(etp)) {
    errs.push(notSupported('spec.externalTrafficPolicy', etp, TRAFFIC_POLICIES));
  }
  const hc = spec.healthCheckNodePort ?? 0;
  if (!needsHealthCheck(svc)) {
    if (hc !== 0) {
      errs.push(invalid('spec.healthCheckNodePort', hc, "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"));
    }
  } else if (hc === 0) {
    if (!opts.beforeAllocation) errs.push(required('spec.healthCheckNodePort'));
  } else {
    errs.push(...each('spec.healthCheckNodePort', hc, isValidPortNum(hc)));
  }
  const itp = spec.internalTrafficPolicy;
  if (itp === undefined) {
    if (spec.type === 'NodePort' || spec.type === 'LoadBalancer' || spec.type === 'ClusterIP') {
      errs.push(required('spec.internalTrafficPolicy'));
    }
  } else if (!TRAFFIC_POLICIES.includes(itp)) {
    errs.push(notSupported('spec.internalTrafficPolicy', itp, TRAFFIC_POLICIES));
  }
  const td = spec.trafficDistribution;
  if (td !== undefined && td !== 'PreferClose') errs.push(notSupported('spec.trafficDistribution', td, ['PreferClose']));
  return errs;
}

function validateLoadBalancerClass(svc: Service): FieldError[] {
  const cls = svc.spec.loadBalancerClass;
  if (cls === undefined) return [];
  if (svc.spec.type === 'LoadBalancer') return validateQualifiedName(cls, 'spec.loadBalancerClass');
  return [forbidden('spec.loadBalancerClass', ONLY_LB)];
}

export function validateService(svc: Service, opts: ValidateServiceOptions = {}): FieldError[] {
  const errs = validateObjectMeta(svc.metadata, nameIsDNS1035Label);
  const spec = svc.spec;
  const ann = svc.metadata.annotations ?? {};
  if (ann[TOPOLOGY_MODE] !== undefined && ann[TOPOLOGY_HINTS] !== undefined && ann[TOPOLOGY_MODE] !== ann[TOPOLOGY_HINTS]) {
    errs.push(invalid(`metadata.annotations[${TOPOLOGY_MODE}]`, ann[TOPOLOGY_MODE], `must match annotations[${TOPOLOGY_HINTS}] when both are specified`));
  }
  const ports = spec.ports ?? [];
  const headless = isHeadless(svc);
  if (ports.length === 0 && !headless && spec.type !== 'ExternalName') errs.push(required('spec.ports'));

  if (spec.type === 'LoadBalancer' && headless) {
    errs.push(invalid('spec.clusterIPs[0]', 'None', "may not be set to 'None' for LoadBalancer services"));
  } else if (spec.type === 'NodePort' && headless) {
    errs.push(invalid('spec.clusterIPs[0]', 'None', "may not be set to 'None' for NodePort services"));
  } else if (spec.type === 'ExternalName') {
    const why = 'may not be set for ExternalName services';
    if ((spec.clusterIPs?.length ?? 0) > 0) errs.push(forbidden('spec.clusterIPs', why));
    if ((spec.ipFamilies?.length ?? 0) > 0) errs.push(forbidden('spec.ipFamilies', why));
    if (spec.ipFamilyPolicy !== undefined) errs.push(forbidden('spec.ipFamilyPolicy', why));
    // A CNAME may end with one dot to mark it fully qualified.
    const cname = (spec.externalName ?? '').replace(/\.$/, '');
    if (cname.length > 0) errs.push(...validateDNS1123Subdomain(cname, 'spec.externalName'));
    else errs.push(required('spec.externalName'));
  }

  const names = new Set<string>();
  ports.forEach((p, i) => errs.push(...validateServicePort(p, ports.length > 1, names, `spec.ports[${i}]`)));

  if (spec.selector !== undefined) errs.push(...validateLabels(spec.selector, 'spec.selector'));

  if (!spec.sessionAffinity) errs.push(required('spec.sessionAffinity'));
  else if (!AFFINITIES.includes(spec.sessionAffinity)) errs.push(notSupported('spec.sessionAffinity', spec.sessionAffinity, AFFINITIES));
  if (spec.sessionAffinity === 'ClientIP') {
    errs.push(...validateClientIPAffinityConfig(svc));
  } else if (spec.sessionAffinity === 'None' && spec.sessionAffinityConfig !== undefined) {
    errs.push(forbidden('spec.sessionAffinityConfig', 'must not be set when session affinity is None'));
  }

  errs.push(...validateClusterIPsRelatedFields(svc));

  (spec.externalIPs ?? []).forEach((ip, i) => {
    const path = `spec.externalIPs[${i}]`;
    const msgs = isValidIP(ip);
    if (msgs.length) errs.push(...each(path, ip, msgs));
    else errs.push(...validateNonSpecialIP(ip, path));
  });

  if (!spec.type) errs.push(required('spec.type'));
  else if (!TYPES.includes(spec.type)) errs.push(notSupported('spec.type', spec.type, TYPES));

  if (spec.type === 'ClusterIP') {
    ports.forEach((p, i) => {
      if (p.nodePort) errs.push(forbidden(`spec.ports[${i}].nodePort`, "may not be used when `type` is 'ClusterIP'"));
    });
  }
  const nodePorts = new Set<string>();
  ports.forEach((p, i) => {
    if (!p.nodePort) return;
    const key = `${p.protocol}/${p.nodePort}`;
    if (nodePorts.has(key)) errs.push(duplicate(`spec.ports[${i}].nodePort`, p.nodePort));
    nodePorts.add(key);
  });
  const portKeys = new Set<string>();
  ports.forEach((p, i) => {
    const key = `${p.protocol}/${p.port ?? 0}`;
    if (portKeys.has(key)) errs.push(duplicate(`spec.ports[${i}]`, { protocol: p.protocol, port: p.port ?? 0 }));
    portKeys.add(key);
  });

  errs.push(...validateSourceRanges(svc));

  if (spec.allocateLoadBalancerNodePorts !== undefined && spec.type !== 'LoadBalancer') {
    errs.push(forbidden('spec.allocateLoadBalancerNodePorts', ONLY_LB));
  }
  // Upstream's path really lacks the `spec.` prefix.
  if (spec.type === 'LoadBalancer' && spec.allocateLoadBalancerNodePorts === undefined) {
    errs.push(required('allocateLoadBalancerNodePorts'));
  }
  errs.push(...validateLoadBalancerClass(svc));
  errs.push(...validateTrafficPolicies(svc, opts));
  return errs;
}
