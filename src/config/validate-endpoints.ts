// ValidateEndpoints (spec §3.1) with switchyard's deliberate differences that loopback endpoint
// IPs are valid and that `ip` may be a DNS name (switchyard resolves it, as for FQDN slices: a
// compose service name such as `web`), plus the 1000-address capacity manual Endpoints may not
// exceed. Pure; any thread.
import type { EndpointAddress, EndpointPort, Endpoints } from '../model/types.ts';
import type { FieldError } from '../model/field-errors.ts';
import { required } from '../model/field-errors.ts';
import { isValidIP, validateNonSpecialIP } from '../model/ip-address.ts';
import { each, isDNS1123Subdomain, isValidPortNum, nameIsDNSSubdomain, validateDNS1123Label, validateQualifiedName } from './name-formats.ts';
import { validateObjectMeta } from './validate-object-meta.ts';
import { validateProtocol } from './validate-service-ports.ts';

export const MAX_ENDPOINTS_ADDRESSES = 1000;

function validateAddress(a: EndpointAddress, path: string): FieldError[] {
  const ip = a.ip ?? '';
  const isName = ip !== '' && !/^[0-9.]+$|:/.test(ip) && isDNS1123Subdomain(ip.replace(/\.$/, '')).length === 0;
  const ipErrs = isName ? [] : each(`${path}.ip`, ip, isValidIP(ip));
  // Upstream reports both the format error and ValidateNonSpecialIP's; one message per fault reads better.
  const errs = [...ipErrs];
  if (a.hostname) errs.push(...validateDNS1123Label(a.hostname, `${path}.hostname`));
  if (a.nodeName !== undefined) errs.push(...each(`${path}.nodeName`, a.nodeName, nameIsDNSSubdomain(a.nodeName, false)));
  if (ipErrs.length === 0 && !isName) errs.push(...validateNonSpecialIP(ip, `${path}.ip`));
  return errs;
}

function validatePort(p: EndpointPort, requireName: boolean, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (requireName && !p.name) errs.push(required(`${path}.name`));
  else if (p.name) errs.push(...validateDNS1123Label(p.name, `${path}.name`));
  const port = p.port ?? 0;
  errs.push(...each(`${path}.port`, port, isValidPortNum(port)));
  errs.push(...validateProtocol(p.protocol, `${path}.protocol`));
  if (p.appProtocol !== undefined) errs.push(...validateQualifiedName(p.appProtocol, `${path}.appProtocol`));
  return errs;
}

export function validateEndpoints(ep: Endpoints): FieldError[] {
  const errs = validateObjectMeta(ep.metadata, nameIsDNSSubdomain);
  let total = 0;
  (ep.subsets ?? []).forEach((ss, i) => {
    const path = `subsets[${i}]`;
    const ready = ss.addresses ?? [];
    const notReady = ss.notReadyAddresses ?? [];
    total += ready.length + notReady.length;
    if (ready.length === 0 && notReady.length === 0) errs.push(required(path, 'must specify `addresses` or `notReadyAddresses`'));
    ready.forEach((a, j) => errs.push(...validateAddress(a, `${path}.addresses[${j}]`)));
    notReady.forEach((a, j) => errs.push(...validateAddress(a, `${path}.notReadyAddresses[${j}]`)));
    const ports = ss.ports ?? [];
    ports.forEach((p, j) => errs.push(...validatePort(p, ports.length > 1, `${path}.ports[${j}]`)));
  });
  if (total > MAX_ENDPOINTS_ADDRESSES) {
    errs.push({
      type: 'Too many', field: 'subsets', value: total,
      detail: `must have at most ${MAX_ENDPOINTS_ADDRESSES} addresses in all subsets together; split the backends over EndpointSlices`,
    });
  }
  return errs;
}
