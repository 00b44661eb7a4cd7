// The update-only rules of ValidateServiceUpdate (spec §2.3 end): clusterIPs and the primary
// ipFamily may not change once set, loadBalancerClass is immutable while LoadBalancer,
// healthCheckNodePort is immutable while needed; changes to or from ExternalName are exempt.
// Returns only these errors: the caller also runs validateService on `next` (prepareObject does).
// Pure; any thread.
import type { Service } from '../model/types.ts';
import type { FieldError } from '../model/field-errors.ts';
import { forbidden, invalid } from '../model/field-errors.ts';
import { isHeadless, needsHealthCheck } from './default-service.ts';

const MAY_NOT_CHANGE = 'may not change once set';

function validateClusterIPsUpdate(prev: Service, next: Service): FieldError[] {
  if (next.spec.type === 'ExternalName' || prev.spec.type === 'ExternalName') return [];
  if (isHeadless(prev) && isHeadless(next)) return [];
  const errs: FieldError[] = [];
  const oldIPs = prev.spec.clusterIPs ?? [];
  const ips = next.spec.clusterIPs ?? [];
  if (oldIPs.length === ips.length) {
    oldIPs.forEach((ip, i) => {
      if (ip !== ips[i]) errs.push(invalid(`spec.clusterIPs[${i}]`, ips, MAY_NOT_CHANGE));
    });
  } else if (oldIPs.length > ips.length) {
    if (ips.length === 0) errs.push(invalid('spec.clusterIPs[0]', ips, 'primary clusterIP can not be unset'));
    if (oldIPs.length > 0 && ips.length > 0 && ips[0] !== oldIPs[0]) errs.push(invalid('spec.clusterIPs[0]', ips, MAY_NOT_CHANGE));
    if (ips.length === 1 && next.spec.ipFamilyPolicy !== 'SingleStack') {
      errs.push(invalid('spec.ipFamilyPolicy', next.spec.ipFamilyPolicy ?? null, "must be set to 'SingleStack' when releasing the secondary clusterIP"));
    }
  } else if (oldIPs.length > 0 && ips[0] !== oldIPs[0]) {
    errs.push(invalid('spec.clusterIPs[0]', ips, MAY_NOT_CHANGE));
  }
  return errs;
}

function validateIPFamiliesUpdate(prev: Service, next: Service): FieldError[] {
  if (next.spec.type === 'ExternalName' || prev.spec.type === 'ExternalName') return [];
  // Headless services may change families, and so may a switch to or from headless.
  if (isHeadless(prev) || isHeadless(next)) return [];
  const errs: FieldError[] = [];
  const oldF = prev.spec.ipFamilies ?? [];
  const f = next.spec.ipFamilies ?? [];
  const ips = next.spec.clusterIPs ?? [];
  if (oldF.length === f.length) {
    oldF.forEach((fam, i) => {
      if (fam !== f[i]) errs.push(invalid('spec.ipFamilies[0]', f, MAY_NOT_CHANGE));
    });
  } else if (oldF.length > f.length) {
    if (ips.length === 0) errs.push(invalid('spec.ipFamilies[0]', f, 'primary ipFamily can not be unset'));
    if (f.length > 0 && f[0] !== oldF[0]) errs.push(invalid('spec.ipFamilies[0]', ips, MAY_NOT_CHANGE));
    if (f.length === 1 && next.spec.ipFamilyPolicy !== 'SingleStack') {
      errs.push(invalid('spec.ipFamilyPolicy', next.spec.ipFamilyPolicy ?? null, "must be set to 'SingleStack' when releasing the secondary ipFamily"));
    }
  } else if (oldF.length > 0 && f.length > 0 && f[0] !== oldF[0]) {
    errs.push(invalid('spec.ipFamilies[0]', ips, MAY_NOT_CHANGE));
  }
  return errs;
}

export function validateServiceUpdate(next: Service, prev: Service): FieldError[] {
  const errs = [...validateClusterIPsUpdate(prev, next), ...validateIPFamiliesUpdate(prev, next)];
  if (prev.spec.type === 'LoadBalancer' && next.spec.type === 'LoadBalancer'
    && prev.spec.loadBalancerClass !== next.spec.loadBalancerClass) {
    errs.push(invalid('spec.loadBalancerClass', next.spec.loadBalancerClass ?? null, MAY_NOT_CHANGE));
  }
  if (needsHealthCheck(prev) && needsHealthCheck(next) && prev.spec.healthCheckNodePort !== next.spec.healthCheckNodePort) {
    errs.push(forbidden('spec.healthCheckNodePort', 'field is immutable'));
  }
  return errs;
}
