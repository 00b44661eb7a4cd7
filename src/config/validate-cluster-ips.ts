// ValidateServiceClusterIPsRelatedFields (rules V23–V32 of spec §2.3): clusterIP/clusterIPs
// agreement, ipFamilies, ipFamilyPolicy, IP validity and dual-stack shape. Pure; any thread.
import type { Service } from '../model/types.ts';
import type { FieldError } from '../model/field-errors.ts';
import { duplicate, invalid, notSupported, required } from '../model/field-errors.ts';
import { isHeadless } from './default-service.ts';
import { ipFamily, isValidIP } from '../model/ip-address.ts';

const IP_FAMILIES = ['IPv4', 'IPv6'];
const IP_FAMILY_POLICIES = ['PreferDualStack', 'RequireDualStack', 'SingleStack'];

export function validateClusterIPsRelatedFields(svc: Service): FieldError[] {
  const spec = svc.spec;
  // ExternalName forbids all of these earlier (V7, V8).
  if (spec.type === 'ExternalName') return [];
  const errs: FieldError[] = [];
  const ips = spec.clusterIPs ?? [];
  const families = spec.ipFamilies ?? [];
  const path = 'spec.clusterIPs';

  if (spec.clusterIP) {
    if (ips.length === 0) errs.push(required(path));
    else if (ips[0] !== spec.clusterIP) errs.push(invalid(path, ips, 'first value must match `clusterIP`'));
  } else if (ips.length !== 0) {
    errs.push(invalid(path, ips, 'must be empty when `clusterIP` is not specified'));
  }

  const seen = new Set<string>();
  families.forEach((f, i) => {
    if (!IP_FAMILIES.includes(f)) errs.push(notSupported(`spec.ipFamilies[${i}]`, f, IP_FAMILIES));
    if (seen.has(f)) errs.push(duplicate(`spec.ipFamilies[${i}]`, f));
    seen.add(f);
  });

  if (spec.ipFamilyPolicy !== undefined && !IP_FAMILY_POLICIES.includes(spec.ipFamilyPolicy)) {
    errs.push(notSupported('spec.ipFamilyPolicy', spec.ipFamilyPolicy, IP_FAMILY_POLICIES));
  }

  let hasInvalidIPs = false;
  ips.forEach((ip, i) => {
    if (i === 0 && ip === 'None') {
      if (ips.length > 1) {
        hasInvalidIPs = true;
        errs.push(invalid(path, ips, "'None' must be the first and only value"));
      }
      return;
    }
    const msgs = isValidIP(ip);
    if (msgs.length) hasInvalidIPs = true;
    for (const m of msgs) errs.push(invalid(`${path}[${i}]`, ip, m));
  });

  if (ips.length > 2) errs.push(invalid(path, ips, 'may only hold up to 2 values'));
  // A bad IP or a misplaced None would skew the family checks below, so upstream stops here.
  if (hasInvalidIPs) return errs;

  if (ips.length > 1) {
    // netutils.IsDualStackIPStrings: both families present (the count is checked above).
    const fams = new Set(ips.map(ipFamily));
    const dualStack = fams.has(4) && fams.has(6);
    if (!dualStack) errs.push(invalid(path, ips, 'may specify no more than one IP for each IP family'));
  }

  if (!isHeadless(svc) && ips.length > 0 && families.length > 0) {
    ips.forEach((ip, i) => {
      if (i > families.length - 1) return;
      const v6 = ipFamily(ip) === 6;
      if (families[i] === 'IPv4' && v6) {
        errs.push(invalid(`${path}[${i}]`, ip, `expected an IPv4 value as indicated by \`ipFamilies[${i}]\``));
      }
      if (families[i] === 'IPv6' && !v6) {
        errs.push(invalid(`${path}[${i}]`, ip, `expected an IPv6 value as indicated by \`ipFamilies[${i}]\``));
      }
    });
  }
  return errs;
}
